import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunBase } from '../src/store/index.js';
import type { ClientsReport } from './fan-out-clients.js';
import { forkTs, nextMessage } from './support/child.js';
import { withDatabase } from './support/postgres.js';
import { fixed, monotonicMs, whole } from './support/stats.js';
import { createTasks, startTickwork, type TickworkServer } from './support/tickwork.js';
import type { Benchmark, BenchContext, SectionReport } from './support/types.js';

const SUBSCRIPTION = 'subscription { runStateChanged { seq status when run { id taskId } } }';
const RUNS_PER_TASK = 100; // a task's maximum concurrency: runs stay in progress until their last change
const TARGET_P99_MS = 50;

/** What `npm run bench -- --only fan-out --profile` (node --cpu-prof on the server process) showed. */
const PROFILE_NOTES = [
  'Found and fixed (commit "runStateChanged: one database read of the run per event…"): the `run` field of every delivered event was read from the database once per subscriber, 1,000 reads per change; the pool (8) timed out and subscribers got errors. The read is now shared by all subscribers of an event.',
  'Found and fixed (src/server/shared-subscriptions.ts): each event was executed once per subscriber (@graphql-tools/executor 12 %, Pothos 5 %, Prisma query building 3 %, garbage collection 30 % of the server). It is now executed once per (document, operation, variables, viewer) and the result is shared; setup (armor limits, auth, tenancy, filters, `after` replay) and each subscriber\'s error presentation are unchanged. Each subscriber\'s stream is a plain queue instead of a Repeater.',
  'What is left (`--cpu-prof` after the fix): socket `writev` ~34 % (one WebSocket frame and one system call per subscriber per event), graphql-ws and `ws` sending ~12 %, envelop result hooks per subscriber ~6 %, garbage collection ~7 %. The 1,000 clients run in one Node process on the same 2 cores as the server and Postgres, so delivery to the last subscribers waits for CPU; the `run` field is read once per event through the same pool as the writer. The writer (`updateRunState`, a transaction of about seven round trips) shares the server\'s event loop, so it falls short of the 100 changes/s asked.',
];

const sizes = (ctx: BenchContext) => (ctx.smoke ? { subscribers: 20, rate: 50, seconds: 2 } : { subscribers: 1_000, rate: 100, seconds: 30 });

/** Runs in `scheduled`, each good for two changes (started, success). */
async function prepareRuns(server: TickworkServer, count: number): Promise<RunBase[]> {
  const tasks = await createTasks(server, Math.ceil(count / RUNS_PER_TASK), () => 'cron: "* * * * *", concurrency: 100', { scheduleAfter: 0 });
  const perTask = await Promise.all(
    tasks.map(async (task) => {
      const runs: RunBase[] = [];
      for (let tick = 1; tick <= RUNS_PER_TASK; tick++) {
        const { created } = await server.app.services.store.createNextRun(task.id, 60 * tick);
        runs.push({ taskId: task.id, runId: created.runId, scheduledFor: created.now });
      }
      return runs;
    }),
  );
  return perTask.flat().slice(0, count);
}

async function sleepUntil(at: number): Promise<void> {
  const wait = at - performance.now();
  if (wait > 0) await sleep(wait);
}

/**
 * `rate` changes a second through the LogWriter: run k starts at slot 2k and succeeds at slot 2k + 1.
 * A server too busy to keep up gets 5 s of slack, then no more writes: the figures cover what was written.
 */
async function writeChanges(server: TickworkServer, runs: RunBase[], rate: number): Promise<number> {
  const slot = 1000 / rate;
  const started = performance.now() + 50;
  const deadline = started + runs.length * 2 * slot + 5_000;
  const { store } = server.app.services;
  let written = 0;
  const change = async (run: RunBase, at: number, status: 'started' | 'success') => {
    await sleepUntil(at);
    if (performance.now() > deadline) return false;
    await store.updateRunState(run, new Date(), status);
    written++;
    return true;
  };
  await Promise.all(runs.map(async (run, k) => (await change(run, started + 2 * k * slot, 'started')) && change(run, started + (2 * k + 1) * slot, 'success')));
  return written / ((performance.now() - started) / 1000);
}

/** Waits until the subscribers have everything, or receive nothing more for two seconds (30 s at most). */
async function drain(clients: ChildProcess, expected: number): Promise<void> {
  let last = -1;
  const until = performance.now() + 30_000;
  for (let quiet = 0; quiet < 4 && performance.now() < until; await sleep(500)) {
    clients.send('count');
    const count = await nextMessage<number>(clients);
    if (count >= expected) return;
    quiet = count === last ? quiet + 1 : 0;
    last = count;
  }
}

async function waitForSubscriptions(server: TickworkServer, count: number): Promise<void> {
  const until = performance.now() + 60_000;
  while (server.app.services.bus.size < count) {
    if (performance.now() > until) throw new Error(`only ${server.app.services.bus.size} of ${count} bus listeners after 60 s`);
    await sleep(50);
  }
}

const rssMiB = () => process.memoryUsage().rss / 2 ** 20;

async function measure(ctx: BenchContext, server: TickworkServer) {
  const { subscribers, rate, seconds } = sizes(ctx);
  const runs = await prepareRuns(server, (rate * seconds) / 2);
  const commits: [string, number][] = [];
  server.app.services.bus.subscribe((event) => event.kind === 'state' && commits.push([String(event.seq), monotonicMs()]));
  const listeners = server.app.services.bus.size; // the relay listens too
  const rssBefore = rssMiB();
  const clients = forkTs(new URL('./fan-out-clients.ts', import.meta.url), [server.origin, server.tenant.token, String(subscribers), SUBSCRIPTION]);
  try {
    await nextMessage(clients);
    await waitForSubscriptions(server, listeners + subscribers);
    await sleep(1_000);
    const rssSubscribed = rssMiB();
    ctx.log(`${subscribers} subscribers; writing ${runs.length * 2} changes at ${rate}/s`);
    const achievedRate = await writeChanges(server, runs, rate);
    const rssLoaded = rssMiB();
    await drain(clients, commits.length * subscribers);
    clients.send({ commits });
    const report = await nextMessage<ClientsReport>(clients);
    ctx.log(`p50 ${fixed(report.latency.p50)} ms, p99 ${fixed(report.latency.p99)} ms, lost ${report.lost}, errors ${report.errors} ${report.firstError ?? ''}`);
    return { report, achievedRate, changes: commits.length, rssBefore, rssSubscribed, rssLoaded, subscribers, rate, seconds };
  } finally {
    clients.kill();
  }
}

async function run(ctx: BenchContext): Promise<SectionReport> {
  const m = await withDatabase(ctx.adminUrl, 'fanout', async (db) => {
    const server = await startTickwork(db.url);
    try {
      return await measure(ctx, server);
    } finally {
      await server.close();
    }
  });
  const { latency, lost, errors, firstError } = m.report;
  const perSubscriberKiB = ((m.rssSubscribed - m.rssBefore) * 1024) / m.subscribers;
  return {
    method: [
      `${whole(m.subscribers)} graphql-ws clients (the \`graphql-ws\` client library over \`ws\`, one socket each, in a separate Node process) subscribe to \`${SUBSCRIPTION}\` on the real app (\`buildApp\`, Postgres, pool 8).`,
      `The server process writes ${m.rate} state changes a second for ${m.seconds} s (5 s of slack, then it stops writing) through \`services.store.updateRunState\` (the LogWriter: one transaction each, event stored, published after commit) on runs created beforehand with \`createNextRun\`: scheduled → started → success.`,
      'Latency: from the moment the server\'s in-process bus publishes the committed event (a listener registered before any subscriber) to the moment a client\'s `next` callback runs; both sides read the system-wide monotonic clock (`process.hrtime`). Lost = changes × subscribers − deliveries, counted after the deliveries stop.',
      'Server RSS per subscriber = (RSS with every subscription open, 1 s after the last one − RSS before the clients connected) ÷ subscribers.',
    ],
    commands: [],
    tables: [
      {
        head: ['subscribers', 'changes', 'achieved rate /s', 'deliveries', 'p50 ms', 'p99 ms', 'max ms', 'lost', 'client errors'],
        rows: [[whole(m.subscribers), whole(m.changes), fixed(m.achievedRate), whole(m.report.delivered), fixed(latency.p50), fixed(latency.p99), fixed(latency.max), whole(lost), whole(errors)]],
      },
      {
        head: ['server RSS before', 'with subscribers', 'after the load', 'per subscriber'],
        rows: [[`${fixed(m.rssBefore)} MiB`, `${fixed(m.rssSubscribed)} MiB`, `${fixed(m.rssLoaded)} MiB`, `${fixed(perSubscriberKiB)} KiB`]],
      },
    ],
    targets: [
      { goal: `subscription p99 ≤ ${TARGET_P99_MS} ms`, actual: `${fixed(latency.p99)} ms`, met: latency.p99 <= TARGET_P99_MS },
      { goal: '0 events lost', actual: whole(lost), met: lost === 0 },
    ],
    metrics: { p50Ms: latency.p50, p99Ms: latency.p99, maxMs: latency.max, lost, clientErrors: errors, achievedRate: m.achievedRate, rssPerSubscriberKiB: perSubscriberKiB },
    notes: [...PROFILE_NOTES, ...(firstError ? [`First client error: \`${firstError}\``] : [])],
  };
}

export default { id: 'fan-out', title: 'Subscription fan-out', run } satisfies Benchmark;
