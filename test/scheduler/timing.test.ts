import { describe, expect, it, vi } from 'vitest';
import { noopExecutor } from '../../src/executors/index.js';
import { formatId, parseId } from '../../src/store/index.js';
import { percentile, sleep, useScheduler } from '../helpers/scheduler.js';

const f = useScheduler({ executors: { noop: noopExecutor }, defaultExecutor: 'noop' });

describe('scheduler timing', () => {
  it('scenario 1: an every-1s task runs 10 (±1) times in 10 s, each started within 100 ms of its due time', async () => {
    const task = await f.task('name: "tick", every: 1s');
    await sleep(10_000);
    const runs = await f.db.prisma.run.findMany({ where: { taskId: task.id, startedAt: { not: null } }, orderBy: { scheduledFor: 'asc' } });
    const delays = runs.map((run) => run.startedAt!.getTime() - Number(run.runAt) * 1000);
    console.info(`scenario 1: ${runs.length} runs; start delay p50 ${percentile(delays, 0.5)} ms, p90 ${percentile(delays, 0.9)} ms, max ${Math.max(...delays)} ms`);
    expect(runs.length).toBeGreaterThanOrEqual(9);
    expect(runs.length).toBeLessThanOrEqual(11);
    expect(runs.every((run) => run.status === 'success')).toBe(true);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(percentile(delays, 0.5)).toBeLessThan(100);
  }, 20_000);

  it('scenario 8: a forced run of a daily task starts within 1 s, not at the next tick', async () => {
    const task = await f.task('name: "daily", cron: "0 3 * * *"');
    const asked = Date.now();
    const res = await f.server.graphql(
      'mutation ($id: ID!) { forceRun(taskId: $id) { ... on ForceRunSuccess { data { runId } } } }',
      { id: formatId(task.id) },
      f.tenant.headers,
    );
    const runId = parseId(res.body.data.forceRun.data.runId);
    const run = await vi.waitFor(
      async () => {
        const found = await f.db.prisma.run.findUniqueOrThrow({ where: { id: runId } });
        expect(found.startedAt).not.toBeNull();
        return found;
      },
      { timeout: 2_000, interval: 10 },
    );
    console.info(`scenario 8: forced run started ${run.startedAt!.getTime() - asked} ms after forceRun was sent`);
    expect(run.startedAt!.getTime() - asked).toBeLessThan(1_000);
  });
});
