import { builder } from './builder.js';
import { goDuration } from './durations.js';
import { TaskStatusEnum } from './enums.js';
import { toManualRequest } from '../store/prisma/mapping.js';
import { ManualRunRequestRef } from './manual-run.js';
import { fromUnix } from './time.js';

export const TaskMetaRef = builder.prismaObject('TaskMeta', {
  description: 'The scheduling state of one task.',
  fields: (t) => ({
    maxConcurrency: t.exposeInt('maxConcurrency', { description: 'Runs allowed in progress at once.' }),
    latestCompleted: t.field({
      type: 'DateTime',
      description: 'Schedule time of the newest finished scheduled run; failed and canceled count as finished.',
      resolve: (meta) => fromUnix(meta.latestCompleted),
    }),
    status: t.field({ type: TaskStatusEnum, description: 'The task\'s status.', select: { task: { select: { status: true } } }, resolve: (meta) => meta.task.status }),
    effectiveCron: t.exposeString('effectiveCron', { description: 'The cron text, or `@every <duration>`.' }),
    offset: t.string({ description: 'Go duration text; may be negative.', resolve: (meta) => goDuration(meta.offset) }),
    nextDue: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the next scheduled run becomes due; null while inactive.',
      resolve: (meta) => (meta.nextDue === null ? null : fromUnix(meta.nextDue)),
    }),
    currentlyRunning: t.prismaField({
      type: ['Run'],
      description: 'Runs created and not yet finished, oldest first.',
      resolve: (query, meta, _args, ctx) =>
        ctx.prisma.run.findMany({ ...query, where: { taskId: meta.taskId, inProgress: true }, orderBy: { id: 'asc' } }),
    }),
    manualRuns: t.field({
      type: [ManualRunRequestRef],
      description: 'The manual-run queue, first in first out (at most 32).',
      resolve: async (meta, _args, ctx) =>
        (await ctx.prisma.manualRequest.findMany({ where: { taskId: meta.taskId }, orderBy: { id: 'asc' } })).map(toManualRequest),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the task was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the scheduling state last changed.' }),
  }),
});
