import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { adminQuery } from '../support/postgres.js';

const TPS = /tps = ([\d.]+) \(without initial connection time\)/;

/** The command line, with the database URL as the last argument. */
export function pgbenchArgs(clients: number, seconds: number, script: string): string[] {
  return ['-n', '-M', 'prepared', '-c', String(clients), '-j', String(Math.min(clients, os.cpus().length)), '-T', String(seconds), '-f', script];
}

/** Single-row INSERT transactions per second at `clients` connections: the commit rate Postgres allows here. */
export async function pgbenchCommitRate(url: string, clients: number, seconds: number): Promise<number> {
  await adminQuery(url, 'CREATE TABLE IF NOT EXISTS commit_probe (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tickwork-pgbench-'));
  try {
    const script = path.join(dir, 'commit.sql');
    await writeFile(script, 'INSERT INTO commit_probe DEFAULT VALUES;\n');
    const { stdout } = await promisify(execFile)('pgbench', [...pgbenchArgs(clients, seconds, script), url]);
    const tps = TPS.exec(stdout)?.[1];
    if (!tps) throw new Error(`no tps in pgbench output: ${stdout}`);
    return Number(tps);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
