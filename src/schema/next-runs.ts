import { nextTick, parseTaskOptions } from '../options/index.js';
import { ValidationError } from '../store/errors.js';
import { builder } from './builder.js';
import { visibleTask } from './tenancy.js';
import { fromUnix, nowUnix, toUnix } from './time.js';

const MAX_COUNT = 100;

async function scheduleOf(ctx: Parameters<typeof visibleTask>[0], script?: string | null, taskId?: string | null) {
  if (taskId) return visibleTask(ctx, taskId);
  if (script) {
    try {
      return parseTaskOptions(script);
    } catch (err) {
      throw new ValidationError((err as Error).message);
    }
  }
  throw new ValidationError('script or taskId is required');
}

builder.queryFields((t) => ({
  nextRuns: t.field({
    type: ['DateTime'],
    description: 'Preview the next schedule times of a script, or of a task (times are ticks; runs are due at tick + offset).',
    authScopes: { permission: 'read:tasks' },
    args: {
      script: t.arg.string({ required: false }),
      taskId: t.arg.id({ required: false }),
      count: t.arg.int({ required: false, defaultValue: 5, description: `1..${MAX_COUNT}` }),
      after: t.arg({ type: 'DateTime', required: false, description: 'Default: now.' }),
    },
    resolve: async (_root, args, ctx) => {
      const count = args.count ?? 5;
      if (count < 1 || count > MAX_COUNT) throw new ValidationError(`count must be between 1 and ${MAX_COUNT}`);
      const schedule = await scheduleOf(ctx, args.script, args.taskId);
      const ticks: Date[] = [];
      for (let tick = args.after ? toUnix(args.after) : nowUnix(); ticks.length < count; ) {
        tick = nextTick(schedule, tick);
        ticks.push(fromUnix(tick));
      }
      return ticks;
    },
  }),
}));
