import type { OptionOverrides } from '../options/index.js';
import type { TaskStatus, UpdateTaskResult } from '../store/types.js';
import { builder } from './builder.js';
import { TaskStatusEnum } from './enums.js';
import { TASK_MUTATION_ERRORS } from './errors.js';
import { TaskRef } from './task.js';
import { TaskMetaRef } from './task-meta.js';
import { visibleTask } from './tenancy.js';

const UpdateTaskInput = builder.inputType('UpdateTaskInput', {
  description:
    'Change the script, the status, or single options. Option fields rewrite only the `option task` record ' +
    '(the rest of the script is kept byte for byte); null removes an optional key; every and cron replace each other.',
  fields: (t) => ({
    id: t.id({ required: true }),
    script: t.string({ required: false }),
    status: t.field({ type: TaskStatusEnum, required: false }),
    name: t.string({ required: false }),
    every: t.string({ required: false, description: 'Duration text, e.g. "30m".' }),
    cron: t.string({ required: false }),
    offset: t.string({ required: false, description: 'Duration text, may be negative.' }),
    concurrency: t.int({ required: false }),
    retry: t.int({ required: false }),
    timezone: t.string({ required: false }),
    catchup: t.string({ required: false, description: 'all, latest or none.' }),
    timeout: t.string({ required: false, description: 'Duration text.' }),
  }),
});

const OVERRIDE_KEYS = ['name', 'every', 'cron', 'offset', 'concurrency', 'retry', 'timezone', 'catchup', 'timeout'] as const;

/** Keys the client sent (null included: it removes the key); absent keys stay untouched. */
function overridesOf(input: Record<string, unknown>): OptionOverrides | undefined {
  const sent = OVERRIDE_KEYS.filter((key) => input[key] !== undefined);
  return sent.length ? (Object.fromEntries(sent.map((key) => [key, input[key]])) as OptionOverrides) : undefined;
}

const UpdateTaskResultRef = builder.objectRef<UpdateTaskResult>('UpdateTaskResult').implement({
  description: 'The task after the update, with what it was before.',
  fields: (t) => ({
    oldScript: t.exposeString('oldScript'),
    oldStatus: t.field({ type: TaskStatusEnum, resolve: (r): TaskStatus => r.oldStatus }),
    task: t.field({ type: TaskRef, resolve: (r) => r.newTask }),
    meta: t.field({
      type: TaskMetaRef,
      resolve: (r, _args, ctx) => ctx.prisma.taskMeta.findUniqueOrThrow({ where: { taskId: r.newTask.id }, include: { task: true } }),
    }),
  }),
});

builder.mutationFields((t) => ({
  updateTask: t.field({
    type: UpdateTaskResultRef,
    description: 'Updates a task; a new script or option recomputes its schedule, offset, concurrency and retry.',
    authScopes: { permission: 'write:tasks' },
    errors: { types: TASK_MUTATION_ERRORS },
    args: { input: t.arg({ type: UpdateTaskInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const task = await visibleTask(ctx, input.id);
      const options = overridesOf(input);
      return ctx.services.store.updateTask({
        id: task.id,
        ...(input.script != null ? { script: input.script } : {}),
        ...(input.status ? { status: input.status } : {}),
        ...(options ? { options } : {}),
      });
    },
  }),
}));
