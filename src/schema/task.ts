import { formatId, parseId } from '../store/id.js';
import { builder } from './builder.js';
import { goDuration, goDurationMs } from './durations.js';
import { CatchupEnum, TaskStatusEnum } from './enums.js';
import { TASK_MUTATION_ERRORS } from './errors.js';
import { orgScope, visibleTask } from './tenancy.js';
import { NEWEST_FIRST, runFilterArgs, runWhere } from './run-filter.js';
import { fromUnix } from './time.js';

export const TaskRef = builder.prismaObject('Task', {
  description: 'A registered task: a script whose `option task = {…}` record says when and how it runs.',
  fields: (t) => ({
    id: t.field({ type: 'ID', description: '16 hex digits.', resolve: (task) => formatId(task.id) }),
    orgId: t.field({ type: 'ID', description: 'The org the task belongs to.', resolve: (task) => formatId(task.orgId) }),
    ownerId: t.field({ type: 'ID', description: 'The user who owns the task.', resolve: (task) => formatId(task.userId) }),
    name: t.exposeString('name', { description: 'From the script\'s `name` option; not unique.' }),
    script: t.exposeString('script', { description: 'The script exactly as stored.' }),
    status: t.expose('status', { type: TaskStatusEnum, description: 'ACTIVE tasks get runs; INACTIVE ones do not.' }),
    every: t.string({
      nullable: true,
      description: 'Interval as Go duration text (`1h0m0s`); null for cron tasks.',
      resolve: (task) => (task.every === null || task.cron !== null ? null : goDuration(task.every)),
    }),
    cron: t.exposeString('cron', { nullable: true, description: 'Cron expression as written; null for `every` tasks.' }),
    offset: t.string({ description: 'Delay after each tick before the run is due (Go duration text).', resolve: (task) => goDuration(task.offset) }),
    concurrency: t.exposeInt('concurrency', { description: 'Runs of this task allowed in progress at once.' }),
    retry: t.exposeInt('retry', { description: 'Attempts per run (1 = no automatic retry).' }),
    timezone: t.exposeString('timezone', { description: 'IANA zone the cron expression is evaluated in.' }),
    catchup: t.expose('catchup', { type: CatchupEnum, description: 'What happens to missed ticks.' }),
    timeout: t.string({
      nullable: true,
      description: 'Per-attempt time limit (Go duration text); null for none.',
      resolve: (task) => (task.timeoutMs === null ? null : goDurationMs(task.timeoutMs)),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the task was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the task last changed.' }),
    latestCompleted: t.field({
      type: 'DateTime',
      description: 'Schedule time of the newest finished scheduled run (or the creation point).',
      select: { meta: { select: { latestCompleted: true } } },
      resolve: (task) => fromUnix(task.meta!.latestCompleted),
    }),
    nextRunAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the next scheduled run becomes due (tick + offset); null while inactive.',
      select: { meta: { select: { nextDue: true } } },
      resolve: (task) => (task.meta?.nextDue == null ? null : fromUnix(task.meta.nextDue)),
    }),
    meta: t.relation('meta', { onNull: 'error', description: 'The scheduling state.' }),
    runs: t.relatedConnection('runs', {
      cursor: 'id',
      description: 'Runs, newest schedule time first.',
      args: runFilterArgs,
      query: (args) => ({ where: runWhere(args), orderBy: NEWEST_FIRST }),
    }),
    logs: t.relatedConnection('logs', { cursor: 'id', description: 'Log lines of all its runs, oldest first.', query: { orderBy: { id: 'asc' } } }),
    skipped: t.relatedConnection('skipped', {
      cursor: 'id',
      description: 'Ticks that catch-up skipped, newest first.',
      query: { orderBy: { scheduledFor: 'desc' } },
    }),
  }),
});

builder.queryFields((t) => ({
  task: t.prismaField({
    type: 'Task',
    nullable: true,
    description: 'One task by ID; null if it does not exist or belongs to another org.',
    authScopes: { permission: 'read:tasks' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => ctx.prisma.task.findFirst({ ...query, where: { id: parseId(args.id), ...orgScope(ctx) } }),
  }),
  tasks: t.prismaConnection({
    type: 'Task',
    cursor: 'id',
    description: 'The org\'s tasks in creation order.',
    authScopes: { permission: 'read:tasks' },
    args: {
      status: t.arg({ type: TaskStatusEnum, required: false }),
      name: t.arg.string({ required: false, description: 'Exact task name.' }),
    },
    resolve: (query, _root, args, ctx) =>
      ctx.prisma.task.findMany({
        ...query,
        where: { ...orgScope(ctx), ...(args.status ? { status: args.status } : {}), ...(args.name ? { name: args.name } : {}) },
        orderBy: { id: 'asc' },
      }),
  }),
}));

const TaskStatusInput = { type: TaskStatusEnum, required: false } as const;

const CreateTaskInput = builder.inputType('CreateTaskInput', {
  description: 'A new task: its script, whose `option task = {…}` record gives name and schedule.',
  fields: (t) => ({
    script: t.string({ required: true, description: 'The script with its `option task = {…}` record (at most 256 KiB).' }),
    status: t.field({ ...TaskStatusInput, description: 'Defaults to ACTIVE.' }),
  }),
});

builder.mutationFields((t) => ({
  createTask: t.field({
    type: TaskRef,
    description: 'Registers a task; its first run is the first schedule tick after now.',
    authScopes: { permission: 'write:tasks' },
    errors: { types: TASK_MUTATION_ERRORS, dataField: { description: 'The created task.' } },
    args: { input: t.arg({ type: CreateTaskInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      ctx.services.store.createTask({
        orgId: ctx.viewer.orgId,
        userId: ctx.viewer.userId,
        script: input.script,
        ...(input.status ? { status: input.status } : {}),
      }),
  }),
  deleteTask: t.field({
    type: 'ID',
    description: 'Deletes the task with its runs, logs and queue; returns its ID.',
    authScopes: { permission: 'write:tasks' },
    errors: { types: TASK_MUTATION_ERRORS, dataField: { description: 'ID of the deleted task.' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const task = await visibleTask(ctx, args.id);
      await ctx.services.store.deleteTask(task.id);
      return formatId(task.id);
    },
  }),
}));
