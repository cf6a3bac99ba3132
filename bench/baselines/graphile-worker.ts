import { EventEmitter } from 'node:events';
import { Logger, makeWorkerUtils, run, runMigrations, type WorkerEvents } from 'graphile-worker';

const silent = new Logger(() => () => {});
const ADD_BATCH = 1_000;

async function addNoopJobs(options: { connectionString: string; logger: Logger }, count: number): Promise<void> {
  const utils = await makeWorkerUtils(options);
  try {
    for (let added = 0; added < count; added += ADD_BATCH) {
      await utils.addJobs(Array.from({ length: Math.min(ADD_BATCH, count - added) }, () => ({ identifier: 'noop', payload: {} })));
    }
  } finally {
    await utils.release();
  }
}

/**
 * Jobs per second for graphile-worker processing `count` queued no-op jobs with `concurrency` workers
 * (timed from `run()` to the last `job:success`; queueing them is not timed).
 */
export async function graphileWorkerRate(connectionString: string, count: number, concurrency: number, poolSize: number): Promise<number> {
  const options = { connectionString, logger: silent, maxPoolSize: poolSize };
  await runMigrations(options);
  await addNoopJobs(options, count);
  const events: WorkerEvents = new EventEmitter();
  let done = 0;
  const finished = new Promise<void>((resolve) => events.on('job:success', () => ++done === count && resolve()));
  const started = performance.now();
  const runner = await run({ ...options, concurrency, noHandleSignals: true, events, taskList: { noop: async () => {} } });
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await runner.stop();
  return count / seconds;
}
