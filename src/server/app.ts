import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvelopArmor } from '@escape.tech/graphql-armor';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, useReadinessCheck } from 'graphql-yoga';
import type { Database } from '../db/database.js';
import { readMigrations } from '../db/migrate.js';
import { withMetricsEndpoint } from '../metrics/http.js';
import { Metrics } from '../metrics/metrics.js';
import { createScheduler, type Scheduler, type SchedulingSettings } from '../scheduler/index.js';
import { schema } from '../schema/index.js';
import type { ServerInfo } from '../schema/context.js';
import { VERSION } from '../version.js';
import { contextFactory, type InitialContext } from './context.js';
import { usePresentedErrors } from './errors.js';
import type { Logger } from './logger.js';
import { createServices, type Services } from './services.js';
import { useSharedSubscriptionExecution } from './shared-subscriptions.js';
import { attachWebSocket, MAX_MESSAGE_BYTES } from './websocket.js';

export interface AppOptions {
  db: Database;
  log: Logger;
  /** Relay run events between processes through Redis rather than Postgres NOTIFY. */
  redisUrl?: string | null;
  /** Executors, default executor, lease and grace times (default: no local executors, `worker`, 30 s). */
  scheduling?: SchedulingSettings;
  /** Run a scheduler in this process once started (`tickwork serve` does unless TICKWORK_SCHEDULER=off). */
  scheduler?: boolean;
}

export interface App {
  httpServer: Server;
  services: Services;
  /** This process's scheduler, when it runs one. */
  scheduler: Scheduler | null;
  /** Listens and resolves with the bound port (pass 0 for a free one). */
  start(port: number, host?: string): Promise<number>;
  stop(): Promise<void>;
}

/** Limits on every operation, HTTP and WebSocket alike (relay connections are deep: edges.node.…). */
export const LIMITS = { maxDepth: 12, maxCost: 5_000, maxAliases: 15, maxTokens: 3_000 };

function armor() {
  return new EnvelopArmor({
    maxDepth: { n: LIMITS.maxDepth },
    costLimit: { maxCost: LIMITS.maxCost },
    maxAliases: { n: LIMITS.maxAliases },
    maxTokens: { n: LIMITS.maxTokens },
  }).protect().plugins;
}

/** Ready once every local migration has a finished row: a half-migrated database serves nobody. */
async function migrationsApplied(db: Database, expected: string[]): Promise<boolean> {
  const rows = await db.prisma.$queryRaw<{ migration_name: string }[]>`
    SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
  const done = new Set(rows.map((r) => r.migration_name));
  return expected.every((name) => done.has(name));
}

export async function buildApp({ db, log, redisUrl, scheduling, scheduler: withScheduler = false }: AppOptions): Promise<App> {
  const expected = (await readMigrations()).map((m) => m.name);
  const server: ServerInfo = { version: VERSION, startedAt: new Date(), embeddedDatabase: db.embedded };
  const services = await createServices(db, { log, redisUrl, scheduling });
  const scheduler = withScheduler ? createScheduler(services.scheduling, log) : null;
  const metrics = new Metrics(db.prisma, log);
  services.scheduling.store.observe(metrics.hooks);
  const yoga = createYoga<InitialContext>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/healthz',
    landingPage: false,
    logging: log,
    maxRequestBodySize: MAX_MESSAGE_BYTES,
    // SSE: GraphiQL sends the headers editor's Authorization with each request, while over graphql-ws it
    // would send no connectionParams and the server closes the socket 4401 (the token is checked at connect).
    graphiql: { title: 'Tickwork', subscriptionsProtocol: 'SSE' },
    renderGraphiQL, // GraphiQL's assets inlined: the default page loads them from a CDN
    context: contextFactory(services, log, server),
    plugins: [
      ...armor(),
      usePresentedErrors(),
      useSharedSubscriptionExecution(),
      useReadinessCheck({ endpoint: '/readyz', check: () => migrationsApplied(db, expected) }),
    ],
  });
  const httpServer = createServer(withMetricsEndpoint(metrics, log, yoga));
  const websocket = attachWebSocket(httpServer, yoga, services.accounts);

  return {
    httpServer,
    services,
    scheduler,
    async start(port, host = '127.0.0.1') {
      const bound = await new Promise<number>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => resolve((httpServer.address() as AddressInfo).port));
      });
      scheduler?.start();
      return bound;
    },
    async stop() {
      // Stop claiming first; running attempts get the drain time to finish (stack-notes §1.11).
      await scheduler?.stop(services.scheduling.drainMs);
      await websocket.dispose();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await yoga.dispose();
      await services.close();
    },
  };
}
