import { formatId } from '../store/id.js';
import { builder } from './builder.js';
import { fromUnix } from './time.js';

builder.prismaObject('SkippedOccurrence', {
  description: 'A schedule tick that catch-up passed over (catchup LATEST or NONE), recorded so nothing is dropped silently.',
  fields: (t) => ({
    taskId: t.field({ type: 'ID', description: 'The task.', resolve: (s) => formatId(s.taskId) }),
    scheduledFor: t.field({ type: 'DateTime', description: 'The tick that got no run.', resolve: (s) => fromUnix(s.scheduledFor) }),
    reason: t.exposeString('reason', { description: 'Why it was skipped (the catch-up policy).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was skipped.' }),
  }),
});
