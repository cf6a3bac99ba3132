import { builder } from './builder.js';

export const TaskStatusEnum = builder.enumType('TaskStatus', {
  description: 'Whether the scheduler creates runs for the task.',
  values: {
    ACTIVE: { value: 'active', description: 'Runs are created on schedule.' },
    INACTIVE: { value: 'inactive', description: 'No runs; re-activating does not replay missed ticks.' },
  } as const,
});

export const RunStatusEnum = builder.enumType('RunStatus', {
  description: 'scheduled → started → success | failed | canceled; scheduled → canceled. Terminal states are final.',
  values: {
    SCHEDULED: { value: 'scheduled', description: 'Created, not started (also between retry attempts).' },
    STARTED: { value: 'started', description: 'An attempt is executing.' },
    SUCCESS: { value: 'success', description: 'Finished successfully.' },
    FAILED: { value: 'failed', description: 'Every allowed attempt failed.' },
    CANCELED: { value: 'canceled', description: 'Canceled before it finished.' },
  } as const,
});

export const RunTriggerEnum = builder.enumType('RunTrigger', {
  description: 'Why the run exists.',
  values: {
    SCHEDULED: { value: 'scheduled', description: 'A tick of the task\'s schedule.' },
    MANUAL: { value: 'manual', description: 'A forced run or a time-range (backfill) request.' },
    RETRY: { value: 'retry', description: 'A retry of a finished run.' },
  } as const,
});

export const CatchupEnum = builder.enumType('Catchup', {
  description: 'What happens to ticks missed while the scheduler was down or the task was busy.',
  values: {
    ALL: { value: 'all', description: 'Run every missed tick, oldest first, within the concurrency limit.' },
    LATEST: { value: 'latest', description: 'Run only the newest missed tick; the others are recorded as skipped.' },
    NONE: { value: 'none', description: 'Run the newest tick only if it became due within the last 60 s.' },
  } as const,
});
