import { EXECUTOR_NAME } from '../config/config.js';
import { scriptBody } from '../options/index.js';
import { RunNotFoundError, ValidationError } from '../store/errors.js';
import { formatId, parseId, type ID } from '../store/id.js';
import type { AttemptOutcome, ClaimedRun } from '../store/types.js';
import { builder } from './builder.js';
import { goDurationMs } from './durations.js';
import type { Context } from './context.js';
import { TASK_MUTATION_ERRORS } from './errors.js';
import { LogRef } from './log.js';
import { RunRef } from './run.js';
import { orgScope } from './tenancy.js';
import { fromUnix } from './time.js';

// External workers (scheduler.md §5): they claim runs of their queue with a lease, heartbeat, send log
// lines and report the outcome. The lease holder is the token (plus an optional workerId), so one
// worker can never renew, log to or finish a run that another holds.

const WORKER_ERRORS = TASK_MUTATION_ERRORS;
const MAX_CLAIM = 100;
const MAX_LEASE_SECONDS = 3_600;

const ClaimedRunRef = builder.objectRef<ClaimedRun>('ClaimedRun').implement({
  description: 'A run leased to the calling worker: what to execute and until when the lease holds.',
  fields: (t) => ({
    id: t.field({ type: 'ID', description: 'The run.', resolve: (c) => formatId(c.run.id) }),
    taskId: t.field({ type: 'ID', description: 'The task the run belongs to.', resolve: (c) => formatId(c.task.id) }),
    executor: t.exposeString('executor', { description: '`worker` or `worker:<queue>`.' }),
    script: t.string({ description: 'What to execute: the task\'s script without its `option task` statement.', resolve: (c) => scriptBody(c.task.script) }),
    scheduledFor: t.field({ type: 'DateTime', description: 'The script\'s `now`.', resolve: (c) => fromUnix(c.run.scheduledFor) }),
    try: t.int({ description: 'Attempt number, from 1.', resolve: (c) => c.run.try }),
    deadline: t.field({ type: 'DateTime', nullable: true, description: 'When the attempt times out (task `timeout`).', resolve: (c) => c.deadline }),
    timeout: t.string({
      nullable: true,
      description: 'The task\'s per-attempt time limit (Go duration text), for the `timed out after …` reason.',
      resolve: (c) => (c.task.timeoutMs === null ? null : goDurationMs(c.task.timeoutMs)),
    }),
    leaseExpiresAt: t.field({ type: 'DateTime', description: 'Heartbeat before then, or the reaper fails the attempt.', resolve: (c) => c.leaseExpiresAt }),
  }),
});

const LeaseRef = builder.objectRef<{ leaseExpiresAt: Date; cancelRequested: boolean }>('Lease').implement({
  description: 'A renewed lease.',
  fields: (t) => ({
    leaseExpiresAt: t.field({ type: 'DateTime', description: 'Heartbeat again before then.', resolve: (l) => l.leaseExpiresAt }),
    cancelRequested: t.exposeBoolean('cancelRequested', { description: 'The run was canceled: stop it and finish it as CANCELED.' }),
  }),
});

const RunOutcomeEnum = builder.enumType('RunOutcome', {
  description: 'How an attempt ended. FAILED applies the task\'s retry rule.',
  values: {
    SUCCESS: { value: 'success', description: 'The script succeeded.' },
    FAILED: { value: 'failed', description: 'The script failed: retried while tries are left, else the run fails.' },
    CANCELED: { value: 'canceled', description: 'Stopped because heartbeat said cancelRequested.' },
  } as const,
});

function checkedName(what: string, value: string): string {
  if (!EXECUTOR_NAME.test(value)) throw new ValidationError(`invalid ${what}: 1 to 100 of A-Z a-z 0-9 _ . : @ -`);
  return value;
}

function inRange(what: string, value: number, max: number): number {
  if (value < 1 || value > max) throw new ValidationError(`${what} must be from 1 to ${max}, got ${value}`);
  return value;
}

/** The lease holder: the token, and the worker process when several share a token. */
function holder(ctx: Context, workerId: string | null | undefined): string {
  const token = formatId(ctx.viewer.id);
  return workerId ? `${token}:${checkedName('workerId', workerId)}` : token;
}

function leaseMs(ctx: Context, leaseSeconds: number | null | undefined): number {
  return leaseSeconds == null ? ctx.services.scheduling.leaseMs : inRange('leaseSeconds', leaseSeconds, MAX_LEASE_SECONDS) * 1000;
}

/** Queue `q` holds the runs of tasks whose executor is `worker:q`; plain `worker` is queue `default`. */
function queueExecutors(queue: string): string[] {
  const executor = checkedName('queue', `worker:${queue}`);
  return queue === 'default' ? ['worker', executor] : [executor];
}

function outcome(status: 'success' | 'failed' | 'canceled', error: string | null | undefined): AttemptOutcome {
  return status === 'failed' ? { status, reason: error || 'failed' } : { status };
}

/** The run if `holder` holds its lease; another org's or another worker's run does not exist. */
async function heldRun(ctx: Context, runId: ID, leaseHolder: string) {
  const run = await ctx.prisma.run.findFirst({ where: { id: runId, ...orgScope(ctx), status: 'started', leaseHolder } });
  if (!run) throw new RunNotFoundError();
  return run;
}

builder.mutationFields((t) => {
  const workerId = t.arg.string({ required: false, description: 'Tells apart worker processes that share a token.' });
  const leaseSeconds = t.arg.int({ required: false, description: 'Lease length; default: the server\'s lease.' });
  const runId = t.arg.id({ required: true, description: 'A run the caller holds (from claimRuns).' });
  return {
    claimRuns: t.field({
      type: [ClaimedRunRef],
      description: 'Starts up to `max` due runs of the queue and leases them to the caller; an empty list when none is due.',
      authScopes: { permission: 'execute:runs' },
      errors: { types: WORKER_ERRORS, dataField: { description: 'The runs now leased to the caller, oldest due first.' } },
      args: {
        queue: t.arg.string({ required: false, defaultValue: 'default', description: 'Runs of tasks with executor `worker:<queue>` (`worker` alone: queue default).' }),
        max: t.arg.int({ required: false, defaultValue: 1, description: 'At most this many runs (1 to 100).' }),
        leaseSeconds,
        workerId,
      },
      resolve: (_root, args, ctx) =>
        ctx.services.scheduling.store.claimRuns({
          holder: holder(ctx, args.workerId),
          orgId: ctx.viewer.orgId,
          executors: queueExecutors(args.queue ?? 'default'),
          defaultExecutor: ctx.services.scheduling.defaultExecutor,
          max: inRange('max', args.max ?? 1, MAX_CLAIM),
          leaseMs: leaseMs(ctx, args.leaseSeconds),
        }),
    }),
    heartbeat: t.field({
      type: LeaseRef,
      description: 'Renews the lease of a run the caller holds, and says whether it was canceled.',
      authScopes: { permission: 'execute:runs' },
      errors: { types: WORKER_ERRORS, dataField: { description: 'The renewed lease.' } },
      args: { runId, leaseSeconds, workerId },
      resolve: (_root, args, ctx) =>
        ctx.services.scheduling.store.heartbeat(parseId(args.runId), holder(ctx, args.workerId), leaseMs(ctx, args.leaseSeconds)),
    }),
    addRunLog: t.field({
      type: LogRef,
      description: 'Appends a log line to a run the caller holds.',
      authScopes: { permission: 'execute:runs' },
      errors: { types: WORKER_ERRORS, dataField: { description: 'The stored line.' } },
      args: { runId, message: t.arg.string({ required: true, description: 'One line of output (cut at 64 KiB).' }), workerId },
      resolve: async (_root, args, ctx) => {
        const run = await heldRun(ctx, parseId(args.runId), holder(ctx, args.workerId));
        const base = { taskId: run.taskId, runId: run.id, scheduledFor: Number(run.scheduledFor) };
        return { ...(await ctx.services.store.addRunLog(base, new Date(), args.message)), orgId: run.orgId };
      },
    }),
    finishRun: t.field({
      type: RunRef,
      description: 'Ends the attempt the caller holds. FAILED retries per the task\'s `retry` option (the run goes back to SCHEDULED).',
      authScopes: { permission: 'execute:runs' },
      errors: { types: WORKER_ERRORS, dataField: { description: 'The run after the attempt: finished, or SCHEDULED again for a retry.' } },
      args: {
        runId,
        outcome: t.arg({ type: RunOutcomeEnum, required: true }),
        error: t.arg.string({ required: false, description: 'Why a FAILED attempt failed (its `Failed: …` log line and the run\'s error).' }),
        workerId,
      },
      resolve: async (_root, args, ctx) => {
        const id = parseId(args.runId);
        await ctx.services.scheduling.store.completeAttempt(id, holder(ctx, args.workerId), outcome(args.outcome, args.error));
        return ctx.prisma.run.findUniqueOrThrow({ where: { id } });
      },
    }),
  };
});
