import { describe, expect, it } from 'vitest';
import {
  ManualQueueFullError,
  MaxConcurrencyError,
  RequestStillQueuedError,
  RunNotFinishedError,
  RunNotFoundError,
  RunNotYetDueError,
  TaskInactiveError,
  ValidationError,
  type CreateTaskRequest,
  type Task,
} from '../../src/store/index.js';
import { expectError, rejection, script, useStore } from '../helpers/store.js';

const f = useStore();

async function newTask(fields: string, rest: Partial<CreateTaskRequest> = {}): Promise<Task> {
  return f.store.createTask({ ...(await f.tenant()), script: script(`name: "a task", ${fields}`), ...rest });
}

/** S with offset 5s, concurrency 2, scheduleAfter 30 (scenarios 14–16). */
const offsetTask = () => newTask('cron: "* * * * *", offset: 5s, concurrency: 2', { scheduleAfter: 30 });

const MAX_CONCURRENCY = 'cannot create next run when max concurrency already reached';

async function createdTimes(task: Task, now: number, calls: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < calls; i++) times.push((await f.store.createNextRun(task.id, now)).created.now);
  return times;
}

describe('CreateNextRun and FinishRun', () => {
  it('scenario 14: not yet due', async () => {
    const task = await offsetTask();
    const error = await rejection(f.store.createNextRun(task.id, 64));
    expect(error).toBeInstanceOf(RunNotYetDueError);
    expect(error.message).toBe('run not due until 1970-01-01T00:01:05Z');
    expect((error as RunNotYetDueError).dueAt).toBe(65);
  });

  it('scenario 15: one run per due tick, up to the concurrency limit', async () => {
    const task = await offsetTask();
    expect(await f.store.createNextRun(task.id, 65)).toMatchObject({ created: { taskId: task.id, now: 60, requestedAt: null }, nextDue: 125, hasQueue: false });
    expect(await f.store.createNextRun(task.id, 125)).toMatchObject({ created: { now: 120 }, nextDue: 185 });
    await expectError(f.store.createNextRun(task.id, 185), MaxConcurrencyError, MAX_CONCURRENCY);
    const meta = await f.store.findTaskMetaById(task.id);
    expect(meta.currentlyRunning.map((r) => [r.scheduledFor, r.runAt, r.trigger, r.status])).toEqual([
      [60, 65, 'scheduled', 'scheduled'],
      [120, 125, 'scheduled', 'scheduled'],
    ]);
    expect(meta.nextDue).toBe(185);
  });

  it('scenario 16: FinishRun raises latestCompleted once', async () => {
    const task = await offsetTask();
    const first = await f.store.createNextRun(task.id, 65);
    await f.store.createNextRun(task.id, 125);
    const finished = await f.store.finishRun(task.id, first.created.runId);
    expect(finished).toMatchObject({ id: first.created.runId, scheduledFor: 60 });
    const meta = await f.store.findTaskMetaById(task.id);
    expect(meta.latestCompleted).toBe(60);
    expect(meta.currentlyRunning).toHaveLength(1);
    await expectError(f.store.finishRun(task.id, first.created.runId), RunNotFoundError, 'run not found');
  });

  it('scenario 17: natural runs first, then the queue in order', async () => {
    const task = await newTask('cron: "* * * * *", offset: 5s, concurrency: 9', { scheduleAfter: 2999 });
    await f.store.manuallyRunTimeRange(task.id, 0, 60, 2000);
    const single = await f.store.manuallyRunTimeRange(task.id, 180, 180, 2001);
    expect(single).toMatchObject({ start: 180, end: 180, latestCompleted: 179, requestedAt: 2001 });

    const results = [];
    for (let i = 0; i < 4; i++) results.push(await f.store.createNextRun(task.id, 3005));
    expect(results.map((r) => [r.created.now, r.hasQueue, r.nextDue])).toEqual([
      [3000, true, 3065],
      [0, true, 3065],
      [60, true, 3065],
      [180, false, 3065],
    ]);
    expect(results.map((r) => r.created.requestedAt)).toEqual([null, 2000, 2000, 2001]);
    expect(results[3]!.created.runId).toBe(single.runId);
    const manual = await f.store.findRunById(task.orgId, results[1]!.created.runId);
    expect(manual).toMatchObject({ trigger: 'manual', scheduledFor: 0, runAt: 3005, requestedAt: 2000 });
    expect((await f.store.findTaskMetaById(task.id)).manualRuns).toEqual([]);
  });

  it('scenario 18: catch-up all creates the missed ticks oldest first, within the limit', async () => {
    const task = await newTask('cron: "* * * * *", offset: 5s, concurrency: 3', { scheduleAfter: 0 });
    expect(await createdTimes(task, 300, 3)).toEqual([60, 120, 180]);
    await expectError(f.store.createNextRun(task.id, 300), MaxConcurrencyError, MAX_CONCURRENCY);
    expect(await f.store.listSkipped(task.id)).toEqual([]);
  });

  it('scenario 18: catch-up latest runs the newest tick and records the rest as skipped', async () => {
    const task = await newTask('cron: "* * * * *", offset: 5s, concurrency: 3, catchup: "latest"', { scheduleAfter: 0 });
    expect(await f.store.createNextRun(task.id, 300)).toMatchObject({ created: { now: 240 }, nextDue: 305 });
    const skipped = await f.store.listSkipped(task.id);
    expect(skipped.map((s) => [s.scheduledFor, s.reason])).toEqual([
      [180, 'catchup latest'],
      [120, 'catchup latest'],
      [60, 'catchup latest'],
    ]);
    await expectError(f.store.createNextRun(task.id, 300), RunNotYetDueError, 'run not due until 1970-01-01T00:05:05Z');
  });

  it('scenario 18: catch-up none runs the newest tick only if it became due within 60 s', async () => {
    const task = await newTask('every: 5m, catchup: "none"', { scheduleAfter: 0 });
    await expectError(f.store.createNextRun(task.id, 1000), RunNotYetDueError, 'run not due until 1970-01-01T00:20:00Z');
    expect((await f.store.listSkipped(task.id)).map((s) => s.scheduledFor)).toEqual([900, 600, 300]);
    expect((await f.store.findTaskMetaById(task.id)).latestCompleted).toBe(900);
    await expectError(f.store.createNextRun(task.id, 1000), RunNotYetDueError, 'run not due until 1970-01-01T00:20:00Z');
    expect(await f.store.listSkipped(task.id)).toHaveLength(3);
    expect((await f.store.createNextRun(task.id, 1260)).created.now).toBe(1200);
  });

  it('scenario 18: a long outage is recorded without a row per tick beyond the cap', async () => {
    const task = await newTask('every: 1s, catchup: "latest"', { scheduleAfter: 0 });
    expect((await f.store.createNextRun(task.id, 5000)).created.now).toBe(5000);
    const skipped = await f.store.listSkipped(task.id, 1000);
    expect(skipped).toHaveLength(1000);
    expect(skipped[0]).toMatchObject({ scheduledFor: 1000, reason: 'catchup latest (with the 3999 ticks after it, through 1970-01-01T01:23:19Z)' });
    expect(skipped[999]).toMatchObject({ scheduledFor: 1, reason: 'catchup latest' });
  });

  it('scenario 19: an inactive task gets no run', async () => {
    const task = await newTask('cron: "* * * * *"', { scheduleAfter: 0, status: 'inactive' });
    await expectError(f.store.createNextRun(task.id, 600), TaskInactiveError, 'task is inactive');
    await f.store.manuallyRunTimeRange(task.id, 60, 60, 600);
    await expectError(f.store.createNextRun(task.id, 600), TaskInactiveError, 'task is inactive');
    expect(await f.store.listRuns({ orgId: task.orgId, taskId: task.id })).toEqual([]);
  });
});

describe('manual queue', () => {
  it('scenario 20: at most 32 queued requests', async () => {
    const task = await newTask('cron: "* * * * *"');
    for (let t = 0; t < 32; t++) await f.store.manuallyRunTimeRange(task.id, t, t, 1000);
    await expectError(f.store.manuallyRunTimeRange(task.id, 99, 99, 1000), ManualQueueFullError, 'manual queue at capacity');
    const queue = (await f.store.findTaskMetaById(task.id)).manualRuns;
    expect(queue.map((r) => r.start)).toEqual([...Array(32).keys()]);
  });

  it('scenario 21: the same range twice is refused while queued; the text parses back', async () => {
    const task = await newTask('cron: "* * * * *"');
    for (const [start, end] of [
      [1, 1],
      [100, 200],
    ] as const) {
      await f.store.manuallyRunTimeRange(task.id, start, end, 1000);
      const error = await rejection(f.store.manuallyRunTimeRange(task.id, start, end, 1001));
      expect(error).toBeInstanceOf(RequestStillQueuedError);
      expect(error).toMatchObject({ start, end });
      expect(RequestStillQueuedError.parse(error.message)).toMatchObject({ start, end });
    }
    expect(RequestStillQueuedError.parse('previous retry for start=1970-01-01T00:00:01Z end=1970-01-01T00:00:01Z has not yet finished')).toMatchObject({ start: 1, end: 1 });
  });

  it('scenario 22: force-run at an exact time, with its run ID known in advance', async () => {
    const task = await newTask('cron: "* * * * *"', { scheduleAfter: 10_000 });
    const request = await f.store.manuallyRunTimeRange(task.id, 77, 77, 10_001);
    expect(request.runId).not.toBeNull();
    const { created } = await f.store.createNextRun(task.id, 10_001);
    expect(created).toEqual({ taskId: task.id, runId: request.runId, now: 77, requestedAt: 10_001 });
    expect(await f.store.findRunById(task.orgId, request.runId!)).toMatchObject({ scheduledFor: 77, trigger: 'manual', status: 'scheduled' });
  });

  it('scenario 23: a time range runs every tick inside it', async () => {
    const task = await newTask('cron: "* * * * *", concurrency: 5', { scheduleAfter: 10_000 });
    const request = await f.store.manuallyRunTimeRange(task.id, 0, 130, 10_001);
    expect(request.runId).toBeNull();
    expect(await createdTimes(task, 10_001, 3)).toEqual([0, 60, 120]);
    await expectError(f.store.createNextRun(task.id, 10_001), RunNotYetDueError, 'run not due until 1970-01-01T02:47:00Z');
    await expectError(
      f.store.manuallyRunTimeRange(task.id, 100, 110, 10_001),
      ValidationError,
      'no scheduled times between 1970-01-01T00:01:40Z and 1970-01-01T00:01:50Z',
    );
    await expectError(
      f.store.manuallyRunTimeRange(task.id, 200, 100, 10_001),
      ValidationError,
      'invalid time range: start 1970-01-01T00:03:20Z is after end 1970-01-01T00:01:40Z',
    );
    await expectError(f.store.manuallyRunTimeRange(0x7fff_ffff_ffff_fff0n, 0, 0, 1), Error, 'task not found');
  });

  it('scenario 24: retry only a finished run, for the same scheduled time', async () => {
    const task = await newTask('cron: "* * * * *", concurrency: 3', { scheduleAfter: 0 });
    const { created } = await f.store.createNextRun(task.id, 60);
    const base = { taskId: task.id, runId: created.runId, scheduledFor: created.now };
    await f.store.updateRunState(base, new Date(), 'started');
    await expectError(f.store.retryRun(task.orgId, created.runId, 100), RunNotFinishedError, 'run is still in progress');

    await f.store.updateRunState(base, new Date(), 'failed');
    await f.store.finishRun(task.id, created.runId);
    const request = await f.store.retryRun(task.orgId, created.runId, 100);
    expect(request).toMatchObject({ start: 60, end: 60, requestedAt: 100 });
    const retry = await f.store.createNextRun(task.id, 100);
    expect(retry.created).toMatchObject({ now: 60, runId: request.runId });
    expect(retry.created.runId).not.toBe(created.runId);
    expect(await f.store.findRunById(task.orgId, retry.created.runId)).toMatchObject({ trigger: 'retry', scheduledFor: 60 });

    const stranger = await f.tenant();
    await expectError(f.store.retryRun(stranger.orgId, created.runId, 100), RunNotFoundError, 'run not found');
  });
});
