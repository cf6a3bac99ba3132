import { Repeater } from 'graphql-yoga';
import type { ID } from '../store/id.js';
import type { LogReader, RunEvent } from '../store/types.js';
import type { RunEventListener } from './bus.js';

export interface RunEventFilter {
  kind: RunEvent['kind'];
  taskId?: ID;
  runId?: ID;
}

export interface RunEventStreamOptions {
  bus: { subscribe(listener: RunEventListener): () => void };
  reader: Pick<LogReader, 'listEvents'>;
  orgId: ID;
  filter: RunEventFilter;
  /** Resume point: every stored event with a greater seq comes first. Omitted: live events only. */
  after?: bigint;
}

const REPLAY_PAGE = 500;
/** Undelivered live events one subscriber may hold before it is cut off (it can resume with `after`). */
export const MAX_BACKLOG = 1_000; // below Repeater's own limit of 1024 pending pushes

export class SubscriberTooSlowError extends Error {
  override name = 'SubscriberTooSlowError';
  constructor(readonly lastSeq: bigint | null) {
    super(`subscriber fell more than ${MAX_BACKLOG} events behind; resubscribe with after: "${lastSeq ?? 0}"`);
  }
}

function matcher(orgId: ID, filter: RunEventFilter): (event: RunEvent) => boolean {
  return (event) =>
    event.orgId === orgId &&
    event.kind === filter.kind &&
    (filter.taskId === undefined || event.taskId === filter.taskId) &&
    (filter.runId === undefined || event.runId === filter.runId);
}

async function* storedEvents(opts: RunEventStreamOptions, after: bigint): AsyncGenerator<RunEvent> {
  const { taskId, runId } = opts.filter;
  for (;;) {
    const page = await opts.reader.listEvents({ orgId: opts.orgId, after, taskId, runId, limit: REPLAY_PAGE });
    yield* page;
    if (page.length < REPLAY_PAGE) return;
    after = page[page.length - 1]!.seq;
  }
}

/**
 * The events one subscriber may see, in seq order. With `after`, it subscribes to the bus first
 * (buffering), replays the stored events from the database, then continues live; anything at or
 * below the last seq handed out is skipped, so the switch-over has no gap and no duplicate. That
 * relies on the store numbering events in commit order. Events a cross-process relay missed (say,
 * during a reconnect) are not lost: a client resuming with its last seq gets them from the database.
 */
export function runEventStream(opts: RunEventStreamOptions): AsyncIterable<RunEvent> {
  const matches = matcher(opts.orgId, opts.filter);
  return new Repeater<RunEvent>(async (push, stop) => {
    let last: bigint | null = opts.after ?? null;
    let backlog = 0;
    let stopped = false;
    void stop.then(() => (stopped = true));
    const deliver = (event: RunEvent): Promise<unknown> => {
      if (last !== null && event.seq <= last) return Promise.resolve();
      last = event.seq;
      backlog++;
      if (backlog > MAX_BACKLOG) stop(new SubscriberTooSlowError(last));
      return push(event).finally(() => backlog--);
    };
    let buffered: RunEvent[] | null = opts.after === undefined ? null : [];
    const unsubscribe = opts.bus.subscribe((event) => {
      if (!matches(event)) return;
      if (buffered) buffered.push(event);
      else void deliver(event);
    });
    try {
      if (buffered) {
        for await (const event of storedEvents(opts, opts.after!)) {
          if (stopped) break;
          if (matches(event)) await deliver(event);
          else last = event.seq;
        }
        const live = buffered;
        buffered = null;
        live.forEach(deliver);
      }
      await stop;
    } catch (error) {
      stop(error);
    } finally {
      unsubscribe();
    }
  });
}
