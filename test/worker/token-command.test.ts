import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { PrismaAccountStore } from '../../src/store/prisma/accounts.js';
import { databaseIdGenerator } from '../../src/store/prisma/ids.js';
import { runCli } from '../helpers/process.js';

let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tickwork-token-'));
  env = { TICKWORK_DATA_DIR: path.join(dir, 'data') };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function cli(...args: string[]) {
  const run = runCli(args, env);
  return { code: await run.exited, stdout: run.stdout(), stderr: run.stderr() };
}

describe('tickwork token create', () => {
  it('refuses before there is an org, and an unknown permission, with one line each', async () => {
    expect(await cli('token', 'create', '--permissions', 'execute:runs')).toMatchObject({ code: 1, stderr: 'tickwork: no org yet: run `tickwork setup` first\n' });
    expect((await cli('setup')).code).toBe(0);
    expect(await cli('token', 'create', '--permissions', 'execute:runs,fly')).toMatchObject({ code: 1, stderr: 'tickwork: unknown permission: fly\n' });
  });

  it('mints a worker-only token for the only org\'s first user', async () => {
    const tokenFile = path.join(dir, 'worker-token');
    const { code, stdout } = await cli('token', 'create', '--permissions', 'execute:runs', '--description', 'worker', '--token-file', tokenFile);
    expect(code).toBe(0);
    const token = /^token: (tw_\S+)$/m.exec(stdout)![1]!;
    expect(stdout).toMatch(/^token [0-9a-f]{16} for org [0-9a-f]{16}: execute:runs$/m);

    const db = await openDatabase({ databaseUrl: null, dataDir: env.TICKWORK_DATA_DIR!, poolSize: 1 });
    try {
      const accounts = new PrismaAccountStore(db.prisma, await databaseIdGenerator(db.prisma));
      expect(await accounts.findAuthorization(token)).toMatchObject({ permissions: ['execute:runs'], description: 'worker' });
    } finally {
      await db.close();
    }
  });
});
