import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import pg from 'pg';
import { readMigrations } from '../../src/db/migrate.js';
import { createEmptyDatabase } from '../helpers/database.js';
import { runCli } from '../helpers/process.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tickwork-cli-'));
  dirs.push(dir);
  return dir;
}

async function startAndStop(env: Record<string, string>) {
  const server = runCli(['serve'], { PORT: '0', ...env });
  const ready = await server.waitForLog('Tickwork is ready at');
  const origin = new URL(ready.url as string).origin;
  expect((await fetch(`${origin}/readyz`)).status).toBe(200);
  expect((await fetch(`${origin}/healthz`)).status).toBe(200);
  const stopAsked = Date.now();
  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(0);
  expect(Date.now() - stopAsked).toBeLessThan(5_000);
  return server;
}

describe('tickwork serve', () => {
  it('rejects a bad PORT with one line naming it', async () => {
    const run = runCli(['serve'], { PORT: 'abc' });
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toBe('tickwork: PORT must be a whole number from 0 to 65535, got "abc"\n');
  });

  it('rejects an unreachable database with one line naming DATABASE_URL', async () => {
    const run = runCli(['serve'], { DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/nothing' });
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toMatch(/^tickwork: DATABASE_URL: cannot reach 127\.0\.0\.1:1: .+\n$/);
  });

  it('runs on the embedded database, stops on SIGTERM, and keeps its data across restarts', async () => {
    const dataDir = path.join(await tempDir(), 'data');
    const first = await startAndStop({ TICKWORK_DATA_DIR: dataDir });
    expect(first.stdout()).toContain('migration applied');

    const db = await openDatabase({ databaseUrl: null, dataDir, poolSize: 2 });
    await db.prisma.org.create({ data: { id: 42n, name: 'kept' } });
    await db.close();

    const second = await startAndStop({ TICKWORK_DATA_DIR: dataDir });
    expect(second.stdout()).not.toContain('migration applied');

    const again = await openDatabase({ databaseUrl: null, dataDir, poolSize: 2 });
    expect(await again.prisma.org.findUnique({ where: { id: 42n } })).toMatchObject({ name: 'kept' });
    await again.close();
  });

  it.runIf(process.env.TEST_DATABASE_URL)('runs on DATABASE_URL and migrates it once', async () => {
    const empty = await createEmptyDatabase();
    const client = new pg.Client({ connectionString: empty.url });
    try {
      await startAndStop({ DATABASE_URL: empty.url });
      await startAndStop({ DATABASE_URL: empty.url });
      await client.connect();
      const { rows } = await client.query('SELECT migration_name, finished_at FROM _prisma_migrations');
      expect(rows.map((r) => r.migration_name).sort()).toEqual((await readMigrations()).map((m) => m.name));
      expect(rows.every((r) => r.finished_at instanceof Date)).toBe(true);
    } finally {
      await client.end();
      await empty.drop();
    }
  });
});
