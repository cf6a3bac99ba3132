import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { shellExecutor } from '../../src/executors/index.js';
import { DEFAULT_SCHEDULING } from '../../src/scheduler/index.js';
import { createLogger } from '../../src/server/logger.js';
import { createServices } from '../../src/server/services.js';
import type { ID } from '../../src/store/index.js';
import { createTestDatabase } from '../helpers/database.js';
import { runCli } from '../helpers/process.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const LEASE_SECONDS = 15;
/** Sleeps for a minute on its first try only, and says which process group to clean up. */
const BODY = 'if [ "$TRY" = 1 ]; then echo "pid $$"; sleep 60; fi\necho "try $TRY"';

const cleanup: Array<() => Promise<unknown> | void> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function logOf(db: Database, runId: ID): Promise<string[]> {
  return (await db.prisma.runLog.findMany({ where: { runId }, orderBy: { seq: 'asc' } })).map((l) => l.message);
}

// Scenario 5: kill -9 the server process running a 60 s attempt; another process's reaper fails the
// attempt once its lease has expired, the retry runs, and the task's slot is free again.
describe.runIf(process.env.TEST_DATABASE_URL)('a server killed in the middle of an attempt (scenario 5)', () => {
  it(`fails the attempt with lease expired after the ${LEASE_SECONDS} s lease, retries it and frees the slot`, async () => {
    const db = await createTestDatabase();
    cleanup.push(() => db.close());
    // Services as another server process has them: what this test writes wakes the server under test.
    const { store, accounts, close } = await createServices(db, { log: createLogger('silent') });
    cleanup.push(close);
    const org = await accounts.createOrg('o');
    const user = await accounts.createUser(org.id, 'u');
    const script = `option task = {name: "lost", cron: "0 3 * * *", retry: 2, executor: "shell"}\n${BODY}\n`;
    const task = await store.createTask({ orgId: org.id, userId: user.id, script });

    const doomed = runCli(['serve'], { DATABASE_URL: db.url, PORT: '0', TICKWORK_EXECUTORS: 'shell', TICKWORK_LEASE_SECONDS: String(LEASE_SECONDS) });
    cleanup.push(() => void (doomed.child.exitCode === null && doomed.child.kill('SIGKILL')));
    await doomed.waitForLog('Tickwork is ready at');
    const now = Math.floor(Date.now() / 1000);
    const runId = (await store.manuallyRunTimeRange(task.id, now, now, now)).runId!; // reaches the server by NOTIFY
    const pidLine = await vi.waitFor(
      async () => {
        const line = (await logOf(db, runId)).find((m) => m.startsWith('pid '));
        expect(line).toBeDefined();
        return line!;
      },
      { timeout: 15_000, interval: 50 },
    );
    cleanup.push(() => killGroup(Number(pidLine.slice(4)))); // the orphaned sleep outlives its server

    doomed.child.kill('SIGKILL');
    await doomed.exited;
    const killedAt = Date.now();
    const survivor: TestServer = await startTestServer(db, {
      scheduler: true,
      scheduling: { ...DEFAULT_SCHEDULING, executors: { shell: shellExecutor }, defaultExecutor: 'shell', leaseMs: LEASE_SECONDS * 1000 },
    });
    cleanup.push(() => survivor.stop());

    const run = await vi.waitFor(
      async () => {
        const found = await db.prisma.run.findUniqueOrThrow({ where: { id: runId } });
        expect(found.status).toBe('success');
        return found;
      },
      { timeout: (LEASE_SECONDS + 15) * 1000, interval: 200 },
    );
    const reapedAfter = (Date.now() - killedAt) / 1000;
    console.info(`scenario 5: the lost attempt was failed and retried ${reapedAfter.toFixed(1)} s after the kill`);
    expect(reapedAfter).toBeGreaterThan(LEASE_SECONDS - 6); // the last renewal came at most a third of the lease before the kill
    expect(run.try).toBe(2);
    expect(await logOf(db, runId)).toEqual([
      'Started',
      pidLine,
      'Failed: lease expired (worker lost)',
      expect.stringMatching(/^retrying in /),
      'Started',
      'try 2',
      'Completed successfully',
    ]);
    expect((await store.findTaskMetaById(task.id)).currentlyRunning).toEqual([]);
  }, 60_000);
});
