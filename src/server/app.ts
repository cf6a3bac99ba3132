import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createYoga, useReadinessCheck } from 'graphql-yoga';
import type { Database } from '../db/database.js';
import { readMigrations } from '../db/migrate.js';
import { schema } from '../schema/index.js';
import type { Context, ServerInfo } from '../schema/context.js';
import type { Logger } from './logger.js';
import { VERSION } from '../version.js';

export interface AppOptions {
  db: Database;
  log: Logger;
}

export interface App {
  httpServer: Server;
  /** Listens and resolves with the bound port (pass 0 for a free one). */
  start(port: number, host?: string): Promise<number>;
  stop(): Promise<void>;
}

/** Ready once every local migration has a finished row: a half-migrated database serves nobody. */
async function migrationsApplied(db: Database, expected: string[]): Promise<boolean> {
  const rows = await db.prisma.$queryRaw<{ migration_name: string }[]>`
    SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
  const done = new Set(rows.map((r) => r.migration_name));
  return expected.every((name) => done.has(name));
}

export async function buildApp({ db, log }: AppOptions): Promise<App> {
  const expected = (await readMigrations()).map((m) => m.name);
  const server: ServerInfo = { version: VERSION, startedAt: new Date(), embeddedDatabase: db.embedded };
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/healthz',
    landingPage: false,
    logging: log,
    context: () => ({ log, prisma: db.prisma, server }),
    plugins: [useReadinessCheck({ endpoint: '/readyz', check: () => migrationsApplied(db, expected) })],
  });
  const httpServer = createServer(yoga);

  return {
    httpServer,
    start(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => resolve((httpServer.address() as AddressInfo).port));
      });
    },
    async stop() {
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await yoga.dispose();
    },
  };
}
