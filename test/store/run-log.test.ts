import { describe, expect, it } from 'vitest';
import { InProcessEventBus } from '../../src/events/index.js';
import type { PrismaClient } from '../../src/db/prisma.js';
import { IdGenerator, PrismaStore, RunNotFoundError, ValidationError, type RunBase, type RunEvent, type Task } from '../../src/store/index.js';
import { expectError, S, script, useStore } from '../helpers/store.js';

const f = useStore();

const at = (seconds: number) => new Date(seconds * 1000);

/** A task with one run created (for tick 60), and the run's base. */
async function taskWithRun(fields = 'cron: "* * * * *", concurrency: 100'): Promise<{ task: Task; base: RunBase }> {
  const task = await f.store.createTask({ ...(await f.tenant()), script: script(`name: "logged", ${fields}`), scheduleAfter: 0 });
  const { created } = await f.store.createNextRun(task.id, 60);
  return { task, base: { taskId: task.id, runId: created.runId, scheduledFor: created.now } };
}

const eventsOf = (runId: bigint) => f.published.filter((e) => e.runId === runId);

describe('run states', () => {
  it('scenario 25: started then success; a late started changes nothing', async () => {
    const { task, base } = await taskWithRun();
    expect(await f.store.updateRunState(base, at(100), 'started')).toMatchObject({ status: 'started', startedAt: at(100), finishedAt: null });
    await f.store.updateRunState(base, at(200), 'success');
    const late = await f.store.updateRunState(base, at(300), 'started');
    expect(late).toMatchObject({ status: 'success', startedAt: at(100), finishedAt: at(200) });
    expect(await f.store.findRunById(task.orgId, base.runId)).toMatchObject({ status: 'success', startedAt: at(100), finishedAt: at(200) });
    // The run's creation is an event too, so subscribers see runs from the moment they exist.
    expect(eventsOf(base.runId).map((e) => e.kind === 'state' && e.status)).toEqual(['scheduled', 'started', 'success']);
  });

  it('scenario 25: only legal moves', async () => {
    const { base } = await taskWithRun();
    await expectError(f.store.updateRunState(base, at(100), 'success'), ValidationError, 'invalid run state transition: scheduled -> success');
    expect(await f.store.updateRunState(base, at(100), 'canceled')).toMatchObject({ status: 'canceled', finishedAt: at(100) });
    await expectError(f.store.updateRunState({ ...base, runId: base.runId + 1n }, at(1), 'started'), RunNotFoundError, 'run not found');
  });

  it('scenario 26: log lines in order, with their times; unknown run', async () => {
    const { task, base } = await taskWithRun();
    for (const [i, message] of ['first', 'second', 'third'].entries()) await f.store.addRunLog(base, at(100 + i), message);
    const run = await f.store.findRunById(task.orgId, base.runId);
    expect(run.log.map((l) => [l.seq, l.message, l.time])).toEqual([
      [1, 'first', at(100)],
      [2, 'second', at(101)],
      [3, 'third', at(102)],
    ]);
    const lines = await f.store.listLogs({ orgId: task.orgId, taskId: task.id });
    expect(lines.map((l) => [l.runId, l.message])).toEqual(run.log.map((l) => [base.runId, l.message]));
    expect(await f.store.listLogs({ orgId: task.orgId, runId: base.runId, after: lines[0]!.id, limit: 1 })).toEqual([lines[1]]);
    await expectError(f.store.addRunLog({ ...base, runId: base.runId + 1n }, at(1), 'lost'), RunNotFoundError, 'run not found');
  });

  it('long lines are cut at a character boundary and marked', async () => {
    const { base } = await taskWithRun();
    const exact = 'a'.repeat(65_536);
    expect((await f.store.addRunLog(base, at(1), exact)).message).toBe(exact);
    const ascii = await f.store.addRunLog(base, at(2), 'a'.repeat(70_000));
    expect(Buffer.byteLength(ascii.message)).toBe(65_536);
    expect(ascii.message.endsWith('a [truncated]')).toBe(true);
    const wide = await f.store.addRunLog(base, at(3), 'é'.repeat(40_000));
    expect(Buffer.byteLength(wide.message)).toBeLessThanOrEqual(65_536);
    expect(wide.message).toMatch(/^é+ \[truncated\]$/);
    expect((await f.store.addRunLog(base, at(4), 'nul\0byte')).message).toBe('nul\uFFFDbyte');
  });
});

describe('listing runs', () => {
  it('scenario 27: newest first, exclusive time bounds, cursor paging visits each run once', async () => {
    const { task, base } = await taskWithRun('every: 1s, concurrency: 1');
    await f.store.finishRun(task.id, base.runId);
    for (let i = 0; i < 146; i++) {
      const { created } = await f.store.createNextRun(task.id, 147);
      await f.store.finishRun(task.id, created.runId);
    }
    // Three manual runs share scheduledFor 100 with the natural one: the ID breaks the tie.
    for (let i = 0; i < 3; i++) {
      await f.store.manuallyRunTimeRange(task.id, 100, 100, 1000);
      const { created } = await f.store.createNextRun(task.id, 147);
      await f.store.finishRun(task.id, created.runId);
    }
    const orgId = task.orgId;
    const newest = await f.store.listRuns({ orgId, taskId: task.id, limit: 30 });
    expect(newest.map((r) => r.scheduledFor)).toEqual(Array.from({ length: 30 }, (_, i) => 147 - i));
    const window = await f.store.listRuns({ orgId, taskId: task.id, afterTime: 100, beforeTime: 110 });
    expect(window.map((r) => r.scheduledFor)).toEqual([109, 108, 107, 106, 105, 104, 103, 102, 101]);

    const all = await f.store.listRuns({ orgId, taskId: task.id, limit: 500 });
    expect(all).toHaveLength(150);
    const paged = [];
    for (let page = await f.store.listRuns({ orgId, taskId: task.id, limit: 7 }); page.length > 0; ) {
      paged.push(...page);
      page = await f.store.listRuns({ orgId, taskId: task.id, limit: 7, after: page.at(-1)!.id });
    }
    expect(paged.map((r) => r.id)).toEqual(all.map((r) => r.id));
    const ties = all.filter((r) => r.scheduledFor === 100).map((r) => r.id);
    expect(ties).toHaveLength(4);
    expect(ties).toEqual([...ties].sort((a, b) => (a > b ? -1 : 1)));

    await expectError(f.store.listRuns({ orgId, taskId: task.id, limit: 0 }), ValidationError, 'limit must be between 1 and 500');
    await expectError(f.store.listRuns({ orgId, taskId: task.id, limit: 501 }), ValidationError, 'limit must be between 1 and 500');
    expect(await f.store.listRuns({ orgId, taskId: task.id, status: 'success' })).toEqual([]);
  });

  it('scenario 28: required filters; another org sees nothing', async () => {
    const { task, base } = await taskWithRun();
    const stranger = await f.tenant();
    await expectError(f.store.listRuns({ orgId: task.orgId }), ValidationError, 'task required');
    await expectError(f.store.listLogs({ orgId: task.orgId }), ValidationError, 'task or run is required');
    await expectError(f.store.findRunById(stranger.orgId, base.runId), RunNotFoundError, 'run not found');
    expect(await f.store.listRuns({ orgId: stranger.orgId, taskId: task.id })).toEqual([]);
  });
});

describe('run events', () => {
  it('numbers events in order and replays exactly those after a sequence number', async () => {
    const { task, base } = await taskWithRun();
    await f.store.updateRunState(base, at(1), 'started');
    await f.store.addRunLog(base, at(2), 'hello');
    await f.store.updateRunState(base, at(3), 'success');
    const live = eventsOf(base.runId);
    expect(live.map((e) => (e.kind === 'state' ? e.status : e.kind))).toEqual(['scheduled', 'started', 'log', 'success']);
    expect(live[2]).toMatchObject({ kind: 'log', orgId: task.orgId, taskId: task.id, logSeq: 1, message: 'hello', when: at(2) });
    expect(live.map((e) => e.seq)).toEqual([...live.map((e) => e.seq)].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(live.map((e) => e.seq)).size).toBe(4);

    expect(await f.store.listEvents({ orgId: task.orgId, after: 0n })).toEqual(live);
    expect(await f.store.listEvents({ orgId: task.orgId, after: live[0]!.seq })).toEqual(live.slice(1));
    expect(await f.store.listEvents({ orgId: task.orgId, after: 0n, runId: base.runId, limit: 1 })).toEqual(live.slice(0, 1));
    expect(await f.store.listEvents({ orgId: (await f.tenant()).orgId, after: 0n })).toEqual([]);
  });

  it('publishes after commit: a listener already sees the change in the database', async () => {
    const { task, base } = await taskWithRun();
    const seen: Promise<string>[] = [];
    const unsubscribe = f.bus.subscribe((event) => {
      if (event.runId === base.runId) seen.push(f.store.findRunById(task.orgId, base.runId).then((run) => run.status));
    });
    await f.store.updateRunState(base, at(1), 'started');
    await f.store.updateRunState(base, at(2), 'failed');
    unsubscribe();
    expect(await Promise.all(seen)).toEqual(['started', 'failed']);
  });

  it('a transaction that fails to commit publishes nothing and leaves nothing', async () => {
    const { task, base } = await taskWithRun();
    const creation = await f.store.listEvents({ orgId: task.orgId, after: 0n, runId: base.runId });
    const failing = new Proxy(f.db.prisma, {
      get(target, key, receiver) {
        if (key !== '$transaction') return Reflect.get(target, key, receiver);
        return (work: (tx: unknown) => Promise<unknown>, options: object) =>
          target.$transaction(async (tx) => {
            await work(tx);
            throw new Error('commit failed');
          }, options);
      },
    }) as PrismaClient;
    const bus = new InProcessEventBus();
    const received: RunEvent[] = [];
    bus.subscribe((event) => received.push(event));
    const store = new PrismaStore(failing, new IdGenerator(1023), bus);
    await expectError(store.updateRunState(base, at(1), 'started'), Error, 'commit failed');
    await expectError(store.addRunLog(base, at(1), 'line'), Error, 'commit failed');
    expect(received).toEqual([]);
    expect(await f.store.listEvents({ orgId: task.orgId, after: 0n, runId: base.runId })).toEqual(creation);
    expect(await f.store.findRunById(task.orgId, base.runId)).toMatchObject({ status: 'scheduled', log: [] });
  });

  it('a throwing listener does not keep the others from their events', async () => {
    const errors: unknown[] = [];
    const bus = new InProcessEventBus((error) => errors.push(error));
    const got: bigint[] = [];
    bus.subscribe(() => {
      throw new Error('listener broke');
    });
    const unsubscribe = bus.subscribe((event) => got.push(event.seq));
    const event: RunEvent = { kind: 'state', seq: 7n, orgId: 1n, taskId: 2n, runId: 3n, status: 'started', when: at(0) };
    bus.publish([event, { ...event, seq: 8n }]);
    unsubscribe();
    bus.publish([{ ...event, seq: 9n }]);
    expect(got).toEqual([7n, 8n]);
    expect(errors).toHaveLength(3);
  });

  it('the same S task works end to end', async () => {
    const task = await f.store.createTask({ ...(await f.tenant()), script: S, scheduleAfter: 0 });
    const { created } = await f.store.createNextRun(task.id, 60);
    expect(created.now).toBe(60);
  });
});
