import { graphileWorkerRate } from './baselines/graphile-worker.js';
import { pgbenchArgs, pgbenchCommitRate } from './baselines/pgbench.js';
import { withDatabase } from './support/postgres.js';
import { fixed, ratio, whole } from './support/stats.js';
import { createTasks, startTickwork, type TickworkServer } from './support/tickwork.js';
import type { Benchmark, BenchContext, SectionReport } from './support/types.js';

const CONCURRENCY = [1, 8, 32];
const RUNS_PER_TASK = 100; // a task's maximum concurrency
const PGBENCH_SECONDS = { full: 10, smoke: 1 };
const CLAIM = { executors: ['noop'], defaultExecutor: 'noop', max: 1, leaseMs: 60_000 };
/** Run creation and processing each stop after this, so that `npm run bench` stays within 15 minutes. */
const BUDGET_MS = 45_000;
/**
 * Tasks per scheduleDue transaction. The scheduler's own batch (20 tasks, each 100 runs behind: 2,000 runs in one
 * transaction) outlived Prisma's 15 s transaction timeout on this loaded machine and crashed the section.
 */
const SCHEDULE_TASKS = 2;

/** What counting queries per run and `node --cpu-prof` showed. */
const PROFILE_NOTES = [
  'Found and fixed: claim + completion took 38 round trips per run in two interactive transactions, holding the global event-order lock (event seq in commit order) across the COMMIT round trip. Each is now one statement (CTEs writing log line, state, FinishRun and events, the lock taken in the event insert): two round trips per run, like graphile-worker\'s two function calls. Claims sorted the whole backlog of scheduled runs (108 ms per claim at 20,000: the executor filter was a join the planner turned around, on statistics that did not know the backlog): an index in claim order, a per-run subquery for the executor, and ANALYZE after every 5,000 runs created fixed it. Attempt ends that arrive together share a statement, and run events are relayed with one NOTIFY per batch over the LISTEN connection.',
  'Why it stays below graphile-worker: a run here is three commits (created, claimed, ended) that write ~10 rows (run twice, two log lines, three events, task meta) on a table with seven indexes, and every commit that writes events queues on the one event-order lock through its WAL flush; a graphile-worker job is a row locked, then deleted. In the Node process the Prisma client (query compiler and result mapping) is the largest CPU cost. At concurrency 1 the two round trips are the floor; at 8 and 32 `PrismaStore` runs at most 4 operations at once (6 measured no better).',
];

const runCount = (ctx: BenchContext) => (ctx.smoke ? 100 : 20_000);
const poolSize = (concurrency: number) => Math.max(8, concurrency);

/** Up to `count` runs in `scheduled`, made by the scheduler's own scheduleDue from tasks 100 ticks behind, for at most `budgetMs`. */
async function scheduleRuns(server: TickworkServer, count: number, budgetMs: number): Promise<{ created: number; perSecond: number }> {
  const { store } = server.app.services;
  const behind = Math.floor((await store.now()).getTime() / 1000) - RUNS_PER_TASK - 1;
  await createTasks(server, Math.ceil(count / RUNS_PER_TASK), () => 'every: 1s, concurrency: 100', { scheduleAfter: behind });
  const started = performance.now();
  let created = 0;
  for (let batch = -1; batch !== 0 && created < count && performance.now() - started < budgetMs; created += batch) batch = (await store.scheduleDue(SCHEDULE_TASKS)).length;
  return { created, perSecond: created / ((performance.now() - started) / 1000) };
}

/** One executor loop: claim a run, run the no-op, report success; until nothing is left to claim or `until`. */
async function worker(server: TickworkServer, holder: string, until: number): Promise<number> {
  const { store } = server.app.services;
  let done = 0;
  while (performance.now() < until) {
    const [claimed] = await store.claimRuns({ ...CLAIM, holder });
    if (!claimed) return done;
    await store.completeAttempt(claimed.run.id, holder, { status: 'success' });
    done++;
  }
  return done;
}

async function tickworkRates(ctx: BenchContext, concurrency: number): Promise<{ runs: number; creation: number; measured: number }> {
  return withDatabase(ctx.adminUrl, `tp${concurrency}`, async (db) => {
    const server = await startTickwork(db.url, { poolSize: poolSize(concurrency) });
    try {
      const { created, perSecond } = await scheduleRuns(server, runCount(ctx), BUDGET_MS);
      const started = performance.now();
      const done = await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(server, `bench-${i}`, started + BUDGET_MS)));
      const measured = done.reduce((a, b) => a + b, 0);
      if (measured < created && performance.now() < started + BUDGET_MS) throw new Error(`${created - measured} runs were never claimed`);
      return { runs: measured / ((performance.now() - started) / 1000), creation: perSecond, measured };
    } finally {
      await server.close();
    }
  });
}

interface Row {
  concurrency: number;
  measured: number;
  tickwork: number;
  creation: number;
  graphile: number;
  pgbench: number;
}

async function measure(ctx: BenchContext, concurrency: number): Promise<Row> {
  const { runs: tickwork, creation, measured } = await tickworkRates(ctx, concurrency);
  const graphile = await withDatabase(ctx.adminUrl, `gw${concurrency}`, (db) => graphileWorkerRate(db.url, runCount(ctx), concurrency, poolSize(concurrency)), false);
  const seconds = ctx.smoke ? PGBENCH_SECONDS.smoke : PGBENCH_SECONDS.full;
  const pgbench = await withDatabase(ctx.adminUrl, `pgb${concurrency}`, (db) => pgbenchCommitRate(db.url, concurrency, seconds), false);
  ctx.log(`concurrency ${concurrency}: Tickwork ${fixed(tickwork)} runs/s, graphile-worker ${fixed(graphile)} jobs/s, pgbench ${fixed(pgbench)} tps`);
  return { concurrency, measured, tickwork, creation, graphile, pgbench };
}

async function run(ctx: BenchContext): Promise<SectionReport> {
  const rows: Row[] = [];
  for (const concurrency of CONCURRENCY) rows.push(await measure(ctx, concurrency));
  const at8 = rows.find((r) => r.concurrency === 8)!;
  const count = whole(runCount(ctx));
  const seconds = ctx.smoke ? PGBENCH_SECONDS.smoke : PGBENCH_SECONDS.full;
  return {
    method: [
      `Tickwork: ${count} runs in \`scheduled\`, created beforehand by \`scheduleDue\` (the scheduler's own call) from tasks \`every: 1s, concurrency: 100\` that are 100 ticks behind; then N executor loops, each \`claimRuns({ max: 1 })\` → no-op → \`completeAttempt(success)\` (the dispatcher's store calls: started with its \`Started\` line and lease, then success, FinishRun and \`Completed successfully\`, each one transaction with its events) until nothing is left. Creating the runs and processing them each stop after ${BUDGET_MS / 1000} s (so that the whole suite fits in 15 minutes): "runs measured" says how many of the ${count} went through. Measured directly on \`SchedulerStore\` because the local dispatcher has no concurrency limit of its own; runs/s = runs ÷ time from the first claim to the last completion.`,
      `graphile-worker ${'0.17.3'}: ${count} no-op jobs queued with \`addJobs\` (not timed), then \`run({ concurrency: N, taskList: { noop } })\` timed to the last \`job:success\`. Both sides use a pool of max(8, N) connections, on a fresh database each.`,
      `pgbench: single-row INSERT transactions (\`INSERT INTO commit_probe DEFAULT VALUES\`) with N clients for ${seconds} s: the commit rate this Postgres allows, our ceiling (a run needs at least two commits: claim and completion).`,
    ],
    commands: [`pgbench ${pgbenchArgs(8, seconds, 'commit.sql').join(' ')} postgresql://postgres@127.0.0.1:5432/bench_pgb8_…  # and -c 1, -c 32 -j 2`, "echo 'INSERT INTO commit_probe DEFAULT VALUES;' > commit.sql"],
    tables: [
      {
        head: ['concurrency', 'Tickwork runs measured', 'Tickwork runs/s', 'graphile-worker jobs/s', 'Tickwork ÷ graphile-worker', 'pgbench commits/s', 'Tickwork ÷ pgbench', 'scheduleDue runs created/s'],
        rows: rows.map((r) => [String(r.concurrency), whole(r.measured), fixed(r.tickwork), fixed(r.graphile), ratio(r.tickwork, r.graphile), fixed(r.pgbench), ratio(r.tickwork, r.pgbench), fixed(r.creation)]),
      },
    ],
    targets: [{ goal: 'throughput ≥ 1.0× graphile-worker at concurrency 8', actual: ratio(at8.tickwork, at8.graphile), met: at8.tickwork >= at8.graphile }],
    metrics: Object.fromEntries(
      rows.flatMap((r) => [
        [`tickworkRunsPerSec_c${r.concurrency}`, r.tickwork],
        [`graphileJobsPerSec_c${r.concurrency}`, r.graphile],
        [`pgbenchTps_c${r.concurrency}`, r.pgbench],
        [`ratioGraphile_c${r.concurrency}`, r.tickwork / r.graphile],
        [`ratioPgbench_c${r.concurrency}`, r.tickwork / r.pgbench],
      ]),
    ),
    notes: PROFILE_NOTES,
  };
}

export default { id: 'throughput', title: 'Run throughput', run } satisfies Benchmark;
