import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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

async function startAndStop(env: Record<string, string>, whileUp: (origin: string) => Promise<void> = async () => {}) {
  const server = runCli(['serve'], { PORT: '0', ...env });
  const ready = await server.waitForLog('Tickwork is ready at');
  const origin = new URL(ready.url as string).origin;
  expect((await fetch(`${origin}/readyz`)).status).toBe(200);
  expect((await fetch(`${origin}/healthz`)).status).toBe(200);
  await whileUp(origin);
  const stopAsked = Date.now();
  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(0);
  expect(Date.now() - stopAsked).toBeLessThan(5_000);
  return server;
}

async function postGraphQL(origin: string, token: string, query: string) {
  const res = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return res.json();
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

  it('runs on the embedded database, sets itself up once, stops on SIGTERM, and keeps its data across restarts', async () => {
    // Nested directories that do not exist yet, as on a fresh checkout.
    const home = path.join(await tempDir(), '.tickwork');
    const env = { TICKWORK_DATA_DIR: path.join(home, 'data'), TICKWORK_TOKEN_FILE: path.join(home, 'admin-token') };
    let token = '';
    const createTask = async (origin: string) => {
      token = (await readFile(env.TICKWORK_TOKEN_FILE, 'utf8')).trim();
      const res = await postGraphQL(origin, token, 'mutation { createTask(input: { script: "option task = {name: \\"kept\\", every: 1h}" }) { __typename } }');
      expect(res.data.createTask.__typename).toBe('CreateTaskSuccess');
      const intruder = runCli(['setup'], env);
      expect(await intruder.exited).toBe(1);
      expect(intruder.stderr()).toMatch(/^tickwork: TICKWORK_DATA_DIR: .* is in use by process \d+; stop it or choose another directory\n$/);
    };
    const first = await startAndStop(env, createTask);
    expect(first.stdout()).toContain('migration applied');
    expect(first.stdout()).toContain('First start: created org');
    expect(first.stdout()).toContain(token);
    expect((await stat(env.TICKWORK_TOKEN_FILE)).mode & 0o777).toBe(0o600);

    const second = await startAndStop(env, async (origin) => {
      const res = await postGraphQL(origin, token, '{ tasks { edges { node { name } } } }');
      expect(res.data.tasks.edges).toEqual([{ node: { name: 'kept' } }]);
    });
    expect(second.stdout()).not.toContain('migration applied');
    expect(second.stdout()).not.toContain('First start');
  });

  it('setup creates an org, a user and a token that the server then accepts', async () => {
    const home = path.join(await tempDir(), '.tickwork');
    const env = { TICKWORK_DATA_DIR: path.join(home, 'data'), TICKWORK_TOKEN_FILE: path.join(home, 'admin-token') };
    const tokenFile = path.join(home, 'acme-token');
    const setup = runCli(['setup', '--org', 'acme', '--user', 'alice', '--token-file', tokenFile], env);
    expect(await setup.exited).toBe(0);
    const token = (await readFile(tokenFile, 'utf8')).trim();
    expect(setup.stdout()).toMatch(/^org [0-9a-f]{16} \(acme\), user [0-9a-f]{16} \(alice\)\ntoken: tw_\S+\n$/);
    expect(setup.stdout()).toContain(token);

    const server = await startAndStop(env, async (origin) => {
      const res = await postGraphQL(origin, token, '{ viewer { orgName userName permissions } }');
      expect(res.data.viewer).toEqual({ orgName: 'acme', userName: 'alice', permissions: ['READ_TASKS', 'WRITE_TASKS', 'EXECUTE_RUNS', 'ADMIN'] });
    });
    expect(server.stdout()).not.toContain('First start');
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
