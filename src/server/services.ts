import { CachedAccountStore, forgetAuthorizationsOnDelete } from '../auth/token-cache.js';
import type { Database } from '../db/database.js';
import { fanOut, InProcessEventBus, openRelay } from '../events/index.js';
import { DEFAULT_SCHEDULING, ScheduleSignals, type Scheduling, type SchedulingSettings } from '../scheduler/index.js';
import { createStore } from '../store/index.js';
import { PrismaAccountStore } from '../store/prisma/accounts.js';
import { databaseIdGenerator } from '../store/prisma/ids.js';
import type { AccountStore, LogReader, LogWriter, SchedulerStore, Store } from '../store/types.js';
import type { Logger } from './logger.js';

export type TickworkStore = Store & LogWriter & LogReader & SchedulerStore;

/** The long-lived parts one server process shares between requests. */
export interface Services {
  db: Database;
  store: TickworkStore;
  accounts: AccountStore;
  /** Committed run events of this process and, through the relay, of the others on the same database. */
  bus: InProcessEventBus;
  /** Settings, store and signals of the scheduler and of the worker API. */
  scheduling: Scheduling;
  /** Stops relaying run events and schedule signals between processes. */
  close(): Promise<void>;
}

export interface ServicesOptions {
  log: Logger;
  /** Relay run events through Redis instead of Postgres NOTIFY (ignored with the embedded database). */
  redisUrl?: string | null;
  scheduling?: SchedulingSettings;
}

export async function createServices(db: Database, { log, redisUrl = null, scheduling = DEFAULT_SCHEDULING }: ServicesOptions): Promise<Services> {
  const bus = new InProcessEventBus((err, event) => log.error({ err, seq: String(event.seq) }, 'run event listener failed'));
  const relay = await openRelay(db, redisUrl, log);
  const store = await createStore(db.prisma, relay ? fanOut(bus, relay) : bus);
  await relay?.start(bus, store);
  const signals = await ScheduleSignals.open(db, log);
  store.observe(signals);
  // Tokens are remembered for a few seconds (see TOKEN_CACHE_TTL_MS); deletions through this store forget them at once.
  const accounts = new CachedAccountStore(new PrismaAccountStore(db.prisma, await databaseIdGenerator(db.prisma)));
  forgetAuthorizationsOnDelete(store, accounts);
  const close = async () => void (await Promise.all([relay?.close(), signals.close()]));
  return { db, store, accounts, bus, scheduling: { ...scheduling, store, signals }, close };
}
