import type { Config } from '../config/config.js';
import { ConfigError } from '../config/config.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.js';
import { createPrismaClient, type PrismaClient } from './prisma.js';
import pg from 'pg';
import { lockDataDir } from './data-dir-lock.js';

/** The database the server runs on: the configured Postgres, or the embedded one. */
export interface Database {
  url: string;
  prisma: PrismaClient;
  embedded: boolean;
  close(): Promise<void>;
}

/** Spare sockets beyond the pool: the migrator and readiness probes open their own connections. */
const ADMIN_CONNECTIONS = 4;

/**
 * The embedded database gets one pooled connection: pglite-socket runs each protocol message on its own,
 * so the statements of concurrent connections interleave (`unnamed prepared statement does not exist`,
 * `SET TRANSACTION ISOLATION LEVEL must be called before any query`). PGlite runs one statement at a time
 * anyway; with one connection they queue in the pool instead.
 */
export const EMBEDDED_POOL_SIZE = 1;

async function checkReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (err) {
    const where = new URL(url);
    throw new ConfigError(`DATABASE_URL: cannot reach ${where.hostname}:${where.port || 5432}: ${(err as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'poolSize'>): Promise<Database> {
  let embedded: EmbeddedPostgres | null = null;
  let unlock = async () => {};
  const poolSize = config.databaseUrl ? config.poolSize : EMBEDDED_POOL_SIZE;
  if (config.databaseUrl) {
    await checkReachable(config.databaseUrl);
  } else {
    unlock = await lockDataDir(config.dataDir);
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      maxConnections: poolSize + ADMIN_CONNECTIONS,
    });
  }
  const url = config.databaseUrl ?? embedded!.url;
  const prisma = createPrismaClient(url, poolSize);
  return {
    url,
    prisma,
    embedded: embedded !== null,
    async close() {
      await prisma.$disconnect();
      await embedded?.close();
      await unlock();
    },
  };
}
