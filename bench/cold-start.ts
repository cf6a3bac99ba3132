import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { fixed, median } from './support/stats.js';
import type { Benchmark, BenchContext, SectionReport } from './support/types.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY_LIMIT_MS = 60_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function ready(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).status === 200;
  } catch {
    return false;
  }
}

/** Milliseconds from spawning `npm start` to the first 200 from /readyz; then stops it with SIGTERM. */
async function startOnce(dir: string): Promise<number> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), TICKWORK_DATA_DIR: path.join(dir, 'data'), TICKWORK_TOKEN_FILE: path.join(dir, 'token'), LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  const started = performance.now();
  // Its own process group: npm, sh and node are stopped together.
  const child = spawn('npm', ['start'], { cwd: ROOT, env, detached: true, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    while (!(await ready(`http://127.0.0.1:${port}/readyz`))) {
      if (child.exitCode !== null || performance.now() - started > READY_LIMIT_MS) throw new Error(`npm start never became ready (exit ${child.exitCode})`);
      await sleep(20);
    }
    return performance.now() - started;
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
}

async function inFreshDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tickwork-cold-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function run(ctx: BenchContext): Promise<SectionReport> {
  const times = ctx.smoke ? 1 : 5;
  const first: number[] = [];
  const restart: number[] = [];
  for (let i = 0; i < times; i++) {
    await inFreshDir(async (dir) => {
      first.push(await startOnce(dir));
      restart.push(await startOnce(dir));
    });
    ctx.log(`first start ${fixed(first[i]!, 0)} ms, restart ${fixed(restart[i]!, 0)} ms`);
  }
  const row = (name: string, ms: number[]) => [name, fixed(median(ms), 0), ms.map((m) => fixed(m, 0)).join(', ')];
  return {
    method: [
      `\`npm start\` with no DATABASE_URL (embedded PGlite in a temporary data directory, PORT free, LOG_LEVEL=warn), timed from spawning npm to the first 200 from \`/readyz\` (polled every 20 ms), then stopped with SIGTERM; median of ${times}.`,
      'First start: a new data directory (the database is created, migrated and given its first org and token). Restart: the same directory again.',
    ],
    commands: ['PORT=<free port> TICKWORK_DATA_DIR=<tmp>/data TICKWORK_TOKEN_FILE=<tmp>/token LOG_LEVEL=warn npm start', 'curl http://127.0.0.1:<port>/readyz  # until 200'],
    tables: [{ head: ['start', 'median ms', 'each run ms'], rows: [row('first start (new data directory)', first), row('restart (existing data directory)', restart)] }],
    targets: [],
    metrics: { firstStartMedianMs: median(first), restartMedianMs: median(restart) },
    notes: [],
  };
}

export default { id: 'cold-start', title: 'Cold start', run } satisfies Benchmark;
