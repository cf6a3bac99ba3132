import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { createLogger } from '../../src/server/logger.js';
import { createServices } from '../../src/server/services.js';
import type { ID } from '../../src/store/index.js';
import { createTestDatabase } from '../helpers/database.js';
import { runCli } from '../helpers/process.js';

const SHUTDOWN_TIMEOUT = 4;
const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

/** Two tasks with a forced run each, queued before the server starts, so it starts both at once. */
async function seed(db: Database): Promise<ID[]> {
  const services = await createServices(db, { log: createLogger('silent') });
  try {
    const org = await services.accounts.createOrg('o');
    const user = await services.accounts.createUser(org.id, 'u');
    const now = Math.floor(Date.now() / 1000);
    const runIds: ID[] = [];
    for (const name of ['one', 'two']) {
      const script = `option task = {name: "${name}", cron: "0 3 * * *", executor: "shell"}\nsleep 60\n`;
      const task = await services.store.createTask({ orgId: org.id, userId: user.id, script });
      runIds.push((await services.store.manuallyRunTimeRange(task.id, now, now, now)).runId!);
    }
    return runIds;
  } finally {
    await services.close();
  }
}

/** The embedded database in a fresh data dir (closed again, for the server), or a Postgres clone. */
async function database(): Promise<{ db: Database; env: Record<string, string>; reopen(): Promise<Database> }> {
  if (process.env.TEST_DATABASE_URL) {
    const db = await createTestDatabase();
    cleanup.push(() => db.close());
    return { db, env: { DATABASE_URL: db.url, TICKWORK_EXECUTORS: 'shell' }, reopen: async () => db };
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tickwork-shutdown-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const dataDir = path.join(dir, 'data');
  const open = () => openDatabase({ databaseUrl: null, dataDir, poolSize: 2 });
  const db = await open();
  await migrate(db.url);
  const reopen = async () => {
    const again = await open();
    cleanup.push(() => again.close());
    return again;
  };
  return { db, env: { TICKWORK_DATA_DIR: dataDir, TICKWORK_TOKEN_FILE: path.join(dir, 'token') }, reopen };
}

describe('SIGTERM with attempts in progress', () => {
  it('exits within the shutdown timeout, leaving no run started', async () => {
    const { db, env, reopen } = await database();
    const runIds = await seed(db);
    if (db.embedded) await db.close();

    const server = runCli(['serve'], { ...env, PORT: '0', LOG_LEVEL: 'debug', SHUTDOWN_TIMEOUT: String(SHUTDOWN_TIMEOUT) });
    cleanup.push(async () => void (server.child.exitCode === null && server.child.kill('SIGKILL')));
    await vi.waitFor(() => expect(server.stdout().split('attempt started').length - 1).toBe(2), { timeout: 20_000, interval: 50 });
    const asked = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const took = Date.now() - asked;
    console.info(`SIGTERM with two attempts running: exited after ${took} ms`);
    expect(took).toBeLessThan(SHUTDOWN_TIMEOUT * 1000);

    const after = await reopen();
    const runs = await after.prisma.run.findMany({ where: { id: { in: runIds } }, include: { logs: { orderBy: { seq: 'asc' } } } });
    expect(runs.map((run) => run.status)).toEqual(['canceled', 'canceled']);
    for (const run of runs) expect(run.logs.map((l) => l.message)).toEqual(['Started', 'Stopped: the server is shutting down', 'Canceled']);
    expect(await after.prisma.run.count({ where: { status: 'started' } })).toBe(0);
  }, 45_000);
});
