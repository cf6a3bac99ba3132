import { runEventStream, type RunEventFilter } from '../events/index.js';
import { RunNotFoundError, ValidationError } from '../store/errors.js';
import { formatId } from '../store/id.js';
import type { RunEvent } from '../store/types.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { RunStatusEnum } from './enums.js';
import { orgScope, visibleRun, visibleTask } from './tenancy.js';

type EventOf<K extends RunEvent['kind']> = Extract<RunEvent, { kind: K }>;

interface SubscribeArgs {
  taskId?: string | null;
  runId?: string | null;
  after?: string | null;
}

const MAX_SEQ = (1n << 63n) - 1n;
const SEQ = {
  description: 'Database-wide event number (64-bit, as decimal text); pass it as `after` to resume.',
  resolve: (event: RunEvent) => event.seq.toString(),
};

function parseSeq(after: string | null | undefined): bigint | undefined {
  if (after === null || after === undefined) return undefined;
  const seq = /^\d{1,19}$/.test(after) ? BigInt(after) : -1n;
  if (seq < 0n || seq > MAX_SEQ) throw new ValidationError('after must be an event seq: a decimal number');
  return seq;
}

/**
 * A taskId or runId the caller cannot see (another org's, or none at all) fails at subscribe time with
 * the same not-found error a query gets; the stream itself also drops every other org's event.
 */
async function subscribeRunEvents<K extends RunEvent['kind']>(
  ctx: Context,
  args: SubscribeArgs,
  kind: K,
): Promise<AsyncIterable<EventOf<K>>> {
  const filter: RunEventFilter = { kind };
  if (args.taskId) filter.taskId = (await visibleTask(ctx, args.taskId)).id;
  if (args.runId) filter.runId = (await visibleRun(ctx, args.runId)).id;
  const { bus, store } = ctx.services;
  const stream = runEventStream({ bus, reader: store, orgId: ctx.viewer.orgId, filter, after: parseSeq(args.after) });
  return stream as AsyncIterable<EventOf<K>>;
}

/**
 * Every subscriber an event fans out to resolves its fields with the same event object: one database read per
 * event and selection serves them all (1,000 subscribers asking for `run` were 1,000 reads per event).
 */
const sharedReads = new WeakMap<RunEvent, Map<string, Promise<unknown>>>();

function sharedRead<T>(event: RunEvent, key: string, read: () => Promise<T>): Promise<T> {
  let reads = sharedReads.get(event);
  if (!reads) sharedReads.set(event, (reads = new Map()));
  let result = reads.get(key) as Promise<T> | undefined;
  if (!result) reads.set(key, (result = read()));
  return result;
}

const selectionKey = (query: object, ctx: Context): string =>
  JSON.stringify([String(ctx.viewer.orgId), query], (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));

builder.subscriptionType({
  description: 'Live run events of the caller\'s org, in seq order. `after` resumes from the last seq seen with no gap and no duplicate.',
});

const RunStateEventRef = builder.objectRef<EventOf<'state'>>('RunStateEvent').implement({
  description: 'A run changed state.',
  fields: (t) => ({
    seq: t.string(SEQ),
    run: t.prismaField({
      type: 'Run',
      description: 'The run as it is now, which may be past this event\'s status.',
      resolve: (query, event, _args, ctx) =>
        sharedRead(event, selectionKey(query, ctx), async () => {
          const run = await ctx.prisma.run.findFirst({ ...query, where: { id: event.runId, ...orgScope(ctx) } });
          if (!run) throw new RunNotFoundError();
          return run;
        }),
    }),
    status: t.field({ type: RunStatusEnum, description: 'The state it changed to.', resolve: (event) => event.status }),
    when: t.field({ type: 'DateTime', description: 'When it changed.', resolve: (event) => event.when }),
  }),
});

const RunLogEventRef = builder.objectRef<EventOf<'log'>>('RunLogEvent').implement({
  description: 'A run logged a line.',
  fields: (t) => ({
    seq: t.string(SEQ),
    runId: t.field({ type: 'ID', description: 'The run that logged it.', resolve: (event) => formatId(event.runId) }),
    taskId: t.field({ type: 'ID', description: 'The run\'s task.', resolve: (event) => formatId(event.taskId) }),
    logSeq: t.int({ description: 'Line number within its run, from 1 (the `seq` of `Log`).', resolve: (event) => event.logSeq }),
    message: t.string({ description: 'The logged text.', resolve: (event) => event.message }),
    time: t.field({ type: 'DateTime', description: 'When it was logged.', resolve: (event) => event.when }),
  }),
});

builder.subscriptionFields((t) => {
  const subscription = <K extends RunEvent['kind']>(kind: K) => ({
    authScopes: { permission: 'read:tasks' as const },
    args: {
      taskId: t.arg.id({ required: false, description: 'Only this task\'s runs.' }),
      runId: t.arg.id({ required: false, description: 'Only this run.' }),
      after: t.arg.string({ required: false, description: 'Replay stored events with a greater seq first; omitted: live events only.' }),
    },
    subscribe: (_root: unknown, args: SubscribeArgs, ctx: Context) => subscribeRunEvents(ctx, args, kind),
  });
  return {
    runStateChanged: t.field({
      type: RunStateEventRef,
      description: 'Every run state change the caller may see (optionally of one task or run).',
      ...subscription('state'),
      resolve: (event) => event,
    }),
    runLogAdded: t.field({
      type: RunLogEventRef,
      description: 'Every log line the caller may see (optionally of one task or run).',
      ...subscription('log'),
      resolve: (event) => event,
    }),
  };
});
