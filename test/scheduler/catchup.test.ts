import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Executor } from '../../src/executors/index.js';
import { createScheduler, type Scheduler } from '../../src/scheduler/index.js';
import { createLogger } from '../../src/server/logger.js';
import { sleep, useScheduler } from '../helpers/scheduler.js';

/** Takes 200 ms per attempt and remembers, per task, how many ran at once. */
const concurrency = new Map<bigint, { now: number; most: number }>();
const slow: Executor = {
  async execute({ task }) {
    const seen = concurrency.get(task.id) ?? { now: 0, most: 0 };
    concurrency.set(task.id, seen);
    seen.most = Math.max(seen.most, ++seen.now);
    await sleep(200);
    seen.now--;
    return { status: 'success' };
  },
};

// Scenario 9: the server was down while five ticks of an every-1m task passed (scheduleAfter in the
// past stands in for five minutes of downtime); then a scheduler starts.
const f = useScheduler({ executors: { slow }, defaultExecutor: 'slow' }, false);
let scheduler: Scheduler | undefined;
afterAll(() => scheduler?.stop(1_000));

describe('catch-up after downtime (scenario 9)', () => {
  it('all: the five missed runs, oldest first, within the concurrency; latest: one run and four recorded skips', async () => {
    const minute = Math.floor(Date.now() / 60_000) * 60; // the newest tick that has passed
    const missed = [4, 3, 2, 1, 0].map((k) => minute - 60 * k);
    const all = await f.task('name: "all", every: 1m, concurrency: 2, catchup: "all"', 'true', minute - 300);
    const latest = await f.task('name: "latest", every: 1m, catchup: "latest"', 'true', minute - 300);

    scheduler = createScheduler(f.server.app.services.scheduling, createLogger('silent'));
    scheduler.start();
    const runsOf = (taskId: bigint) =>
      f.db.prisma.run.findMany({ where: { taskId, scheduledFor: { lte: minute } }, orderBy: { id: 'asc' } });
    const done = await vi.waitFor(
      async () => {
        const runs = await runsOf(all.id);
        expect(runs.map((run) => run.status)).toEqual(Array(5).fill('success'));
        return runs;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(done.map((run) => Number(run.scheduledFor))).toEqual(missed); // created oldest first
    expect(concurrency.get(all.id)!.most).toBe(2);

    const [only, ...rest] = await runsOf(latest.id);
    expect(rest).toEqual([]);
    expect(Number(only!.scheduledFor)).toBe(minute);
    const skipped = await f.store.listSkipped(latest.id);
    expect(skipped.map((s) => s.scheduledFor).sort()).toEqual(missed.slice(0, 4));
    expect(skipped.every((s) => s.reason === 'catchup latest')).toBe(true);
  });
});
