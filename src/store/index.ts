import type { PrismaClient } from '../db/prisma.js';
import { databaseIdGenerator } from './prisma/ids.js';
import { PrismaStore } from './prisma/store.js';
import type { RunEventPublisher } from './types.js';

export * from './types.js';
export * from './errors.js';
export * from './id.js';
export { PrismaStore } from './prisma/store.js';
export { PrismaAccountStore } from './prisma/accounts.js';
export { databaseIdGenerator } from './prisma/ids.js';

/** The Store, LogWriter and LogReader on this Prisma client; committed run events go to `publisher`. */
export async function createStore(prisma: PrismaClient, publisher: RunEventPublisher): Promise<PrismaStore> {
  const [{ pglite }] = await prisma.$queryRaw<[{ pglite: boolean }]>`SELECT version() LIKE '%PGlite%' AS pglite`;
  return new PrismaStore(prisma, await databaseIdGenerator(prisma), publisher, { statementsInTransactions: pglite });
}
