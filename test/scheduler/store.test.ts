import { describe, expect, it } from 'vitest';
import { RunNotFoundError, type ID, type RunTransition, type Task } from '../../src/store/index.js';
import { LEASE_EXPIRED, retryBackoffMs } from '../../src/store/prisma/attempts.js';
import { expectError, script, useStore } from '../helpers/store.js';

const f = useStore();
const unix = () => Math.floor(Date.now() / 1000);
const claims = (executors: string[], more: { orgId?: ID; leaseMs?: number } = {}) =>
  f.store.claimRuns({ holder: 'h1', executors, defaultExecutor: 'shell', max: 10, leaseMs: 30_000, ...more });

/** A daily task (no natural run soon) with one forced run, created by scheduleDue. */
async function taskWithRun(fields = ''): Promise<{ task: Task; runId: ID }> {
  const task = await f.store.createTask({ ...(await f.tenant()), script: script(`name: "t", cron: "0 3 * * *"${fields}`) });
  const { runId } = await f.store.manuallyRunTimeRange(task.id, unix(), unix(), unix());
  const created = await f.store.scheduleDue(100);
  expect(created.map((c) => c.runId)).toContain(runId!);
  return { task, runId: runId! };
}

const logOf = async (runId: ID) => (await f.store.findRunById((await f.db.prisma.run.findUniqueOrThrow({ where: { id: runId } })).orgId, runId)).log.map((l) => l.message);

describe('SchedulerStore on Prisma', () => {
  it('claims runs of the executors asked for and of the org asked for, with a lease; Started is logged before the state', async () => {
    const { task, runId } = await taskWithRun(', executor: "worker:q1"');
    expect(await claims(['shell'])).toEqual([]);
    expect(await claims(['worker:q1'], { orgId: task.orgId + 1n })).toEqual([]);
    const before = f.published.length;
    const [claimed, ...more] = await claims(['worker:q1'], { orgId: task.orgId });
    expect(more).toEqual([]);
    expect(claimed).toMatchObject({ executor: 'worker:q1', holder: 'h1', deadline: null, run: { id: runId, status: 'started', try: 1 } });
    expect(claimed!.leaseExpiresAt.getTime() - claimed!.run.startedAt!.getTime()).toBe(30_000);
    expect(f.published.slice(before).map((e) => (e.kind === 'log' ? e.message : e.status))).toEqual(['Started', 'started']);
    expect(await claims(['worker:q1'])).toEqual([]);
  });

  it('a task naming no executor goes to the default; its timeout sets the deadline', async () => {
    const { runId } = await taskWithRun(', timeout: 90s');
    const [claimed] = await claims(['shell']);
    expect(claimed).toMatchObject({ executor: 'shell', run: { id: runId } });
    expect(claimed!.deadline!.getTime() - claimed!.run.startedAt!.getTime()).toBe(90_000);
  });

  it('heartbeats and attempt ends belong to the holder; a cancel request shows in the next heartbeat', async () => {
    const { task, runId } = await taskWithRun(', executor: "x1"');
    await claims(['x1']);
    await expectError(f.store.heartbeat(runId, 'h2', 1_000), RunNotFoundError, 'run not found');
    await expectError(f.store.completeAttempt(runId, 'h2', { status: 'success' }), RunNotFoundError, 'run not found');
    expect(await f.store.heartbeat(runId, 'h1', 60_000)).toMatchObject({ cancelRequested: false });
    expect(await f.store.cancelRun(task.orgId, runId)).toMatchObject({ status: 'started' });
    expect(await f.store.heartbeat(runId, 'h1', 60_000)).toMatchObject({ cancelRequested: true });
    // After a cancel request, a failure is a cancel: it is not retried.
    expect(await f.store.completeAttempt(runId, 'h1', { status: 'failed', reason: 'killed' })).toMatchObject({ status: 'canceled' });
    await expectError(f.store.completeAttempt(runId, null, { status: 'success' }), RunNotFoundError, 'run not found');
    await expectError(f.store.cancelRun(task.orgId, runId), RunNotFoundError, 'run not found');
    expect(await logOf(runId)).toEqual(['Started', 'Cancel requested', 'Canceled']);
  });

  it('reaps an attempt whose lease expired without a heartbeat: failed attempt, retry rule, slot freed', async () => {
    const { task, runId } = await taskWithRun(', executor: "x2", retry: 2');
    await claims(['x2'], { leaseMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [requeued] = await f.store.reap(100, 30_000);
    expect(requeued).toMatchObject({ id: runId, status: 'scheduled', try: 2, error: LEASE_EXPIRED });
    expect((await f.store.findTaskMetaById(task.id)).currentlyRunning.map((r) => r.id)).toEqual([runId]);

    await f.db.prisma.run.update({ where: { id: runId }, data: { availableAt: new Date(0) } });
    await claims(['x2'], { leaseMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await f.store.reap(100, 30_000)).toMatchObject([{ id: runId, status: 'failed', try: 2 }]);
    expect((await f.store.findTaskMetaById(task.id)).currentlyRunning).toEqual([]);
    const log = await logOf(runId);
    expect(log.filter((m) => m === `Failed: ${LEASE_EXPIRED}`)).toHaveLength(2);
  });

  it('marks a started run canceled once its cancel grace has run out', async () => {
    const { task, runId } = await taskWithRun(', executor: "x3"');
    await claims(['x3']);
    await f.store.cancelRun(task.orgId, runId);
    expect(await f.store.reap(100, 60_000)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await f.store.reap(100, 1)).toMatchObject([{ id: runId, status: 'canceled' }]);
    expect((await f.store.findTaskMetaById(task.id)).currentlyRunning).toEqual([]);
  });

  it('wakes for the next natural run, at once for a queued request, and for a run its executors would claim', async () => {
    const task = await f.store.createTask({ ...(await f.tenant()), script: script('name: "w", every: 1h, executor: "x4"') });
    const { at } = await f.store.nextWake({ executors: [], defaultExecutor: 'shell' });
    expect(at!.getTime()).toBeLessThanOrEqual((await f.store.findTaskMetaById(task.id)).nextDue! * 1000);

    await f.store.manuallyRunTimeRange(task.id, unix(), unix(), unix());
    const queued = await f.store.nextWake({ executors: [], defaultExecutor: 'shell' });
    expect(queued.at!.getTime()).toBe(queued.now.getTime());
    await f.store.scheduleDue(100);
    const claimable = await f.store.nextWake({ executors: ['x4'], defaultExecutor: 'shell' });
    expect(claimable.at!.getTime()).toBeLessThanOrEqual(claimable.now.getTime());
  });

  it('tells its hooks about schedule changes and transitions, after commit', async () => {
    const seen: string[] = [];
    const transitions: RunTransition[] = [];
    const stop = f.store.observe({ onScheduleChange: () => seen.push('change'), onTransition: (t) => transitions.push(t) });
    try {
      const { runId } = await taskWithRun(', executor: "x5"');
      expect(seen).toEqual(['change', 'change', 'change']); // created, queued, run created
      await claims(['x5']);
      await f.store.completeAttempt(runId, 'h1', { status: 'success' });
      expect(transitions.map((t) => `${t.from}->${t.run.status}`)).toEqual(['scheduled->started', 'started->success']);
    } finally {
      stop();
    }
  });

  it('backs off min(2^(try-1) s, 5 min) with ±20% jitter', () => {
    expect([retryBackoffMs(1, () => 0), retryBackoffMs(1, () => 1)]).toEqual([800, 1200]);
    expect(retryBackoffMs(3, () => 0.5)).toBe(4_000);
    expect([retryBackoffMs(10, () => 0), retryBackoffMs(10, () => 1)]).toEqual([240_000, 360_000]);
  });
});
