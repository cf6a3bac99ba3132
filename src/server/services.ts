import type { Database } from '../db/database.js';
import { fanOut, InProcessEventBus, openRelay } from '../events/index.js';
import { createStore } from '../store/index.js';
import { PrismaAccountStore } from '../store/prisma/accounts.js';
import { databaseIdGenerator } from '../store/prisma/ids.js';
import type { AccountStore, LogReader, LogWriter, Store } from '../store/types.js';
import type { Logger } from './logger.js';

export type TickworkStore = Store & LogWriter & LogReader;

/** The long-lived parts one server process shares between requests. */
export interface Services {
  db: Database;
  store: TickworkStore;
  accounts: AccountStore;
  /** Committed run events of this process and, through the relay, of the others on the same database. */
  bus: InProcessEventBus;
  /** Stops relaying run events between processes. */
  close(): Promise<void>;
}

export interface ServicesOptions {
  log: Logger;
  /** Relay run events through Redis instead of Postgres NOTIFY (ignored with the embedded database). */
  redisUrl?: string | null;
}

export async function createServices(db: Database, { log, redisUrl = null }: ServicesOptions): Promise<Services> {
  const bus = new InProcessEventBus((err, event) => log.error({ err, seq: String(event.seq) }, 'run event listener failed'));
  const relay = await openRelay(db, redisUrl, log);
  const store = await createStore(db.prisma, relay ? fanOut(bus, relay) : bus);
  await relay?.start(bus, store);
  const accounts = new PrismaAccountStore(db.prisma, await databaseIdGenerator(db.prisma));
  return { db, store, accounts, bus, close: async () => relay?.close() };
}
