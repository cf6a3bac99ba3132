import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { adminQuery } from './postgres.js';

const PACKAGES = ['graphql-yoga', 'graphql', 'graphql-ws', '@pothos/core', 'prisma', '@prisma/client', '@prisma/adapter-pg', 'pg', 'graphile-worker', 'autocannon', 'tsx'];

function packageVersion(name: string): string {
  const file = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

function command(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export interface Machine {
  rows: [string, string][];
}

export async function describeMachine(adminUrl: string): Promise<Machine> {
  const [pgVersion] = await adminQuery<{ server_version: string }>(adminUrl, 'SHOW server_version');
  const settings = await adminQuery<{ name: string; setting: string; unit: string | null }>(
    adminUrl,
    "SELECT name, setting, unit FROM pg_settings WHERE name IN ('max_connections', 'shared_buffers', 'synchronous_commit', 'fsync') ORDER BY name",
  );
  const dirty = command('git', ['status', '--porcelain', '--untracked-files=no']) === '' ? '' : ' (with uncommitted changes)';
  return {
    rows: [
      ['CPU', `${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores (shared with other engineers' test runs)`],
      ['memory', `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
      ['load average at start', os.loadavg().map((l) => l.toFixed(2)).join(' ')],
      ['OS', `${os.type()} ${os.release()}`],
      ['Node', process.version],
      ['PostgreSQL', `${pgVersion?.server_version ?? 'unknown'} on 127.0.0.1 (${settings.map((s) => `${s.name}=${s.setting}${s.unit ?? ''}`).join(', ')})`],
      ['pgbench', command('pgbench', ['--version'])],
      ['commit', `${command('git', ['rev-parse', '--short', 'HEAD'])}${dirty}`],
      ['packages', PACKAGES.map((p) => `${p} ${packageVersion(p)}`).join(', ')],
    ],
  };
}
