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
    id: t.id({ required: true, description: 'The task to change.' }),
    script: t.string({ required: false, description: 'A whole new script; its options are validated.' }),
    status: t.field({ type: TaskStatusEnum, required: false, description: 'Re-activating does not replay missed ticks.' }),
    name: t.string({ required: false, description: 'Task name.' }),
    every: t.string({ required: false, description: 'Duration text, e.g. "30m".' }),
    cron: t.string({ required: false, description: 'Cron expression (5 or 6 fields, or a descriptor); replaces `every`.' }),
    offset: t.string({ required: false, description: 'Duration text, may be negative.' }),
    concurrency: t.int({ required: false, description: 'Runs allowed in progress at once, 1..100.' }),
    retry: t.int({ required: false, description: 'Attempts per run, 1..10.' }),
    timezone: t.string({ required: false, description: 'IANA zone for the cron expression.' }),
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
    oldScript: t.exposeString('oldScript', { description: 'The script before the update.' }),
    oldStatus: t.field({ type: TaskStatusEnum, description: 'The status before the update.', resolve: (r): TaskStatus => r.oldStatus }),
    task: t.field({ type: TaskRef, description: 'The task now.', resolve: (r) => r.newTask }),
    meta: t.field({
      type: TaskMetaRef,
      description: 'Its scheduling state now.',
      resolve: (r, _args, ctx) => ctx.prisma.taskMeta.findUniqueOrThrow({ where: { taskId: r.newTask.id }, include: { task: true } }),
    }),
  }),
});

builder.mutationFields((t) => ({
  updateTask: t.field({
    type: UpdateTaskResultRef,
    description: 'Updates a task; a new script or option recomputes its schedule, offset, concurrency and retry.',
    authScopes: { permission: 'write:tasks' },
    errors: { types: TASK_MUTATION_ERRORS, dataField: { description: 'The task after the update, with what it was before.' } },
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
