import { ForbiddenError } from '../auth/forbidden.js';
import { NotFoundError } from '../store/errors.js';
import { formatId, parseId } from '../store/id.js';
import { builder } from './builder.js';
import { RunStatusEnum, RunTriggerEnum } from './enums.js';
import { orgScope, visibleRun } from './tenancy.js';
import { NEWEST_FIRST, runFilterArgs, runWhere } from './run-filter.js';
import { fromUnix } from './time.js';

export const RunRef = builder.prismaObject('Run', {
  description: 'One run of a task: a scheduled tick, or a manual (forced, backfill, retry) run.',
  fields: (t) => ({
    id: t.field({ type: 'ID', description: '16 hex digits.', resolve: (run) => formatId(run.id) }),
    taskId: t.field({ type: 'ID', description: 'The task it runs.', resolve: (run) => formatId(run.taskId) }),
    task: t.relation('task', { description: 'The task it runs.' }),
    status: t.expose('status', { type: RunStatusEnum, description: 'Where it is in its life.' }),
    trigger: t.expose('trigger', { type: RunTriggerEnum, description: 'Why it exists.' }),
    scheduledFor: t.field({ type: 'DateTime', description: 'The tick this run is for (the script\'s `now`).', resolve: (run) => fromUnix(run.scheduledFor) }),
    runAt: t.field({ type: 'DateTime', description: 'When it became due: scheduledFor + offset.', resolve: (run) => fromUnix(run.runAt) }),
    requestedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When a manual run was requested.',
      resolve: (run) => (run.requestedAt === null ? null : fromUnix(run.requestedAt)),
    }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true, description: 'When its latest attempt started.' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true, description: 'When it reached a terminal state.' }),
    try: t.exposeInt('try', { description: 'Attempt number, from 1.' }),
    error: t.exposeString('error', { nullable: true, description: 'Why the last attempt failed.' }),
    logs: t.relatedConnection('logs', { cursor: 'id', description: 'Its log lines in order.', query: { orderBy: { id: 'asc' } } }),
  }),
});

builder.queryFields((t) => ({
  run: t.prismaField({
    type: 'Run',
    nullable: true,
    description: 'One run by ID; null if it does not exist or belongs to another org.',
    authScopes: { permission: 'read:tasks' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => ctx.prisma.run.findFirst({ ...query, where: { id: parseId(args.id), ...orgScope(ctx) } }),
  }),
  runs: t.prismaConnection({
    type: 'Run',
    cursor: 'id',
    description: 'Runs of a task, newest schedule time first.',
    authScopes: { permission: 'read:tasks' },
    args: {
      taskId: t.arg.id({ required: true }),
      ...runFilterArgs,
    },
    resolve: (query, _root, args, ctx) =>
      ctx.prisma.run.findMany({
        ...query,
        where: { taskId: parseId(args.taskId), ...orgScope(ctx), ...runWhere(args) },
        orderBy: NEWEST_FIRST,
      }),
  }),
}));

builder.mutationFields((t) => ({
  cancelRun: t.field({
    type: RunRef,
    description:
      'Cancels a run: a scheduled one at once; a started one is told to stop (its process is killed, a worker sees it on ' +
      'its next heartbeat) and is marked CANCELED when it stops, or after the grace period anyway. A finished run is not found.',
    authScopes: { permission: 'write:tasks' },
    errors: { types: [ForbiddenError, NotFoundError], dataField: { description: 'The run: CANCELED, or still STARTED until its executor stops.' } },
    args: { runId: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const run = await visibleRun(ctx, args.runId);
      await ctx.services.store.cancelRun(ctx.viewer.orgId, run.id);
      return ctx.prisma.run.findUniqueOrThrow({ where: { id: run.id } });
    },
  }),
}));
