import { ValidationError } from '../store/errors.js';
import { formatId, parseId } from '../store/id.js';
import { builder } from './builder.js';
import { orgScope } from './tenancy.js';

export const LogRef = builder.prismaObject('RunLog', {
  name: 'Log',
  description: 'One log line of a run.',
  fields: (t) => ({
    runId: t.field({ type: 'ID', description: 'The run that logged it.', resolve: (log) => formatId(log.runId) }),
    taskId: t.field({ type: 'ID', description: 'The run\'s task.', resolve: (log) => formatId(log.taskId) }),
    seq: t.exposeInt('seq', { description: 'Line number within its run, from 1.' }),
    time: t.expose('time', { type: 'DateTime', description: 'When it was logged.' }),
    message: t.exposeString('message', { description: 'The text (lines over 64 KiB are cut and end in " [truncated]").' }),
  }),
});

builder.queryFields((t) => ({
  logs: t.prismaConnection({
    type: 'RunLog',
    cursor: 'id',
    description: 'Log lines of a task or of one run, oldest first.',
    authScopes: { permission: 'read:tasks' },
    args: { taskId: t.arg.id({ required: false }), runId: t.arg.id({ required: false }) },
    resolve: (query, _root, args, ctx) => {
      if (!args.taskId && !args.runId) throw new ValidationError('task or run is required');
      return ctx.prisma.runLog.findMany({
        ...query,
        where: {
          ...orgScope(ctx),
          ...(args.taskId ? { taskId: parseId(args.taskId) } : {}),
          ...(args.runId ? { runId: parseId(args.runId) } : {}),
        },
        orderBy: { id: 'asc' },
      });
    },
  }),
}));
