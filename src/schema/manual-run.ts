import { formatId } from '../store/id.js';
import type { ManualRequest } from '../store/types.js';
import { builder } from './builder.js';
import { MANUAL_RUN_ERRORS } from './errors.js';
import { visibleRun, visibleTask } from './tenancy.js';
import { fromUnix, nowUnix, toUnix } from './time.js';

export const ManualRunRequestRef = builder.objectRef<ManualRequest>('ManualRunRequest').implement({
  description: 'A queued manual request: every schedule tick in [start, end] (a forced run when start = end).',
  fields: (t) => ({
    taskId: t.field({ type: 'ID', description: 'The task to run.', resolve: (r) => formatId(r.taskId) }),
    start: t.field({ type: 'DateTime', description: 'First schedule time of the range.', resolve: (r) => fromUnix(r.start) }),
    end: t.field({ type: 'DateTime', description: 'Last schedule time of the range.', resolve: (r) => fromUnix(r.end) }),
    requestedAt: t.field({ type: 'DateTime', description: 'When it was requested.', resolve: (r) => fromUnix(r.requestedAt) }),
    runId: t.field({
      type: 'ID',
      nullable: true,
      description: 'The run this request will create, when start = end.',
      resolve: (r) => (r.runId === null ? null : formatId(r.runId)),
    }),
  }),
});

const TimeRangeInput = builder.inputType('ManuallyRunTimeRangeInput', {
  description: 'A backfill: run every schedule tick of the task in [start, end].',
  fields: (t) => ({
    taskId: t.id({ required: true, description: 'The task to run.' }),
    start: t.field({ type: 'DateTime', required: true, description: 'First schedule time to run (inclusive).' }),
    end: t.field({ type: 'DateTime', required: true, description: 'Last schedule time to run (inclusive).' }),
  }),
});

builder.mutationFields((t) => ({
  manuallyRunTimeRange: t.field({
    type: ManualRunRequestRef,
    description: 'Queues a run for every schedule tick in [start, end] (a backfill).',
    authScopes: { permission: 'write:tasks' },
    errors: { types: MANUAL_RUN_ERRORS, dataField: { description: 'The queued request.' } },
    args: { input: t.arg({ type: TimeRangeInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const task = await visibleTask(ctx, input.taskId);
      return ctx.services.store.manuallyRunTimeRange(task.id, toUnix(input.start), toUnix(input.end), nowUnix());
    },
  }),
  forceRun: t.field({
    type: ManualRunRequestRef,
    description: 'Queues one run for exactly `scheduledFor` (default: now); it starts at once, not at the next tick.',
    authScopes: { permission: 'write:tasks' },
    errors: { types: MANUAL_RUN_ERRORS, dataField: { description: 'The queued request.' } },
    args: { taskId: t.arg.id({ required: true }), scheduledFor: t.arg({ type: 'DateTime', required: false }) },
    resolve: async (_root, args, ctx) => {
      const task = await visibleTask(ctx, args.taskId);
      const at = args.scheduledFor ? toUnix(args.scheduledFor) : nowUnix();
      return ctx.services.store.manuallyRunTimeRange(task.id, at, at, nowUnix());
    },
  }),
  retryRun: t.field({
    type: ManualRunRequestRef,
    description: 'Queues a new run for the schedule time of a finished run.',
    authScopes: { permission: 'write:tasks' },
    errors: { types: MANUAL_RUN_ERRORS, dataField: { description: 'The queued request.' } },
    args: { runId: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const run = await visibleRun(ctx, args.runId);
      return ctx.services.store.retryRun(ctx.viewer.orgId, run.id, nowUnix());
    },
  }),
}));

