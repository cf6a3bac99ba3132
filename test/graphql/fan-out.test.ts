import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { createPrismaClient } from '../../src/db/prisma.js';
import { LISTENER_APPLICATION_NAME } from '../../src/events/postgres-transport.js';
import { formatId } from '../../src/store/id.js';
import { createTestDatabase } from '../helpers/database.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { setState, subscribeWs, taskWithRun, wsClient, type Subscription } from '../helpers/subscriptions.js';
import { seedTenant } from '../helpers/tenant.js';

// Two server processes on one real Postgres, each with its own Prisma client: a subscriber on A hears
// what is written through B. PGlite cannot carry NOTIFY between connections, so Postgres only.

const REDIS_URL = 'redis://127.0.0.1:6379';

async function redisReachable(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const withRedis = onPostgres && (await redisReachable());

const STATES = 'subscription ($taskId: ID) { runStateChanged(taskId: $taskId) { status run { id } } }';
const LOGS = 'subscription ($runId: ID) { runLogAdded(runId: $runId) { logSeq message } }';

/** The same database again, through a Prisma client of its own (as a second process has). */
function secondConnection(db: Database): Database {
  const prisma = createPrismaClient(db.url, 4);
  return { url: db.url, prisma, embedded: false, close: () => prisma.$disconnect() };
}

function pair(options: { redisUrl?: string }) {
  const ctx = {} as { db: Database; dbB: Database; a: TestServer; b: TestServer };
  const subs: Subscription[] = [];
  beforeAll(async () => {
    ctx.db = await createTestDatabase();
    ctx.dbB = secondConnection(ctx.db);
    ctx.a = await startTestServer(ctx.db, options);
    ctx.b = await startTestServer(ctx.dbB, options);
  });
  afterEach(async () => void (await Promise.all(subs.splice(0).map((s) => s.close()))));
  afterAll(async () => {
    await Promise.all([ctx.a?.stop(), ctx.b?.stop()]);
    await ctx.dbB?.close();
    await ctx.db?.close();
  });

  /** A tenant with a run, and a subscription on A; writes go through B's store. */
  async function watch(query: string, variables: (base: Awaited<ReturnType<typeof taskWithRun>>) => Record<string, unknown>) {
    const tenant = await seedTenant(ctx.a.app.services.accounts);
    const base = await taskWithRun(ctx.b.app.services.store, tenant);
    const sub = await subscribeWs(wsClient(ctx.a.origin, tenant.token), ctx.a.app.services.bus, query, variables(base));
    subs.push(sub);
    return { base, sub, storeB: ctx.b.app.services.store };
  }

  it('delivers a state change written through the other instance', async () => {
    const { base, sub, storeB } = await watch(STATES, (base) => ({ taskId: formatId(base.taskId) }));
    await setState(storeB, base, 'started');
    expect((await sub.next()).data!.runStateChanged).toEqual({ status: 'STARTED', run: { id: formatId(base.runId) } });
  });

  it('delivers a log line too big for one notification whole', async () => {
    const { base, sub, storeB } = await watch(LOGS, (base) => ({ runId: formatId(base.runId) }));
    const message = 'é'.repeat(20_000);
    await storeB.addRunLog(base, new Date(), message);
    expect((await sub.next()).data!.runLogAdded).toEqual({ logSeq: 1, message });
  });

  return ctx;
}

describe.runIf(onPostgres)('two instances over Postgres LISTEN/NOTIFY', () => {
  const ctx = pair({});

  it('LISTENs again after losing its connection', async () => {
    const admin = new pg.Client({ connectionString: ctx.db.url });
    await admin.connect();
    const listeners = () =>
      admin.query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`, [LISTENER_APPLICATION_NAME]);
    try {
      const before = (await listeners()).rows.map((r) => r.pid);
      expect(before).toHaveLength(2);
      await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [before]);
      await vi.waitFor(async () => {
        const after = (await listeners()).rows.map((r) => r.pid);
        expect(after).toHaveLength(2);
        expect(after.some((pid) => before.includes(pid))).toBe(false);
      }, { timeout: 10_000, interval: 50 });
    } finally {
      await admin.end();
    }
    const tenant = await seedTenant(ctx.a.app.services.accounts);
    const base = await taskWithRun(ctx.b.app.services.store, tenant);
    const sub = await subscribeWs(wsClient(ctx.a.origin, tenant.token), ctx.a.app.services.bus, STATES, { taskId: formatId(base.taskId) });
    try {
      await setState(ctx.b.app.services.store, base, 'started');
      expect((await sub.next()).data!.runStateChanged.status).toBe('STARTED');
    } finally {
      await sub.close();
    }
  });
});

describe.runIf(withRedis)('two instances over Redis', () => {
  pair({ redisUrl: REDIS_URL });
});
