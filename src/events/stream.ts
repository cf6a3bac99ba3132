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
export const MAX_BACKLOG = 1_000;

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

const COMPACT_AFTER = 1_024;
const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

interface Waiter {
  resolve(result: IteratorResult<RunEvent>): void;
  reject(error: unknown): void;
}

/**
 * The events one subscriber may see, in seq order. With `after`, it subscribes to the bus first
 * (buffering), replays the stored events from the database, then continues live; anything at or
 * below the last seq handed out is skipped, so the switch-over has no gap and no duplicate. That
 * relies on the store numbering events in commit order. Events a cross-process relay missed (say,
 * during a reconnect) are not lost: a client resuming with its last seq gets them from the database.
 *
 * A plain queue rather than a Repeater: at 1,000 subscribers every event is 1,000 pushes, and a
 * push here is a hand-over to the waiting consumer or an array append, with no promise of its own.
 * It starts (subscribes) on the first `next`; `return` unsubscribes at once, even while waiting.
 */
export function runEventStream(opts: RunEventStreamOptions): AsyncIterableIterator<RunEvent> {
  return new RunEventStream(opts);
}

class RunEventStream implements AsyncIterableIterator<RunEvent> {
  private readonly matches: (event: RunEvent) => boolean;
  private readonly queue: RunEvent[] = [];
  private head = 0;
  private readonly waiters: Waiter[] = [];
  private state: 'new' | 'open' | 'closed' = 'new';
  /** Thrown to the consumer once the queue before it is taken. */
  private failure: { error: unknown } | null = null;
  private onDrained: (() => void) | null = null;
  private last: bigint | null;
  /** Live events held back while the replay runs. */
  private buffered: RunEvent[] | null = null;
  private unsubscribe: () => void = () => {};

  constructor(private readonly opts: RunEventStreamOptions) {
    this.matches = matcher(opts.orgId, opts.filter);
    this.last = opts.after ?? null;
  }

  private get closed(): boolean {
    return this.state === 'closed';
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<RunEvent>> {
    if (this.state === 'new') this.open();
    if (this.head < this.queue.length) return Promise.resolve({ value: this.take(), done: false });
    if (this.failure) {
      const { error } = this.failure;
      this.failure = null;
      return Promise.reject(error);
    }
    if (this.state === 'closed') return Promise.resolve(DONE);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<RunEvent>> {
    this.close();
    this.queue.length = this.head = 0;
    this.failure = null;
    return Promise.resolve(DONE);
  }

  throw(error?: unknown): Promise<IteratorResult<RunEvent>> {
    void this.return();
    return Promise.reject(error);
  }

  private open(): void {
    this.state = 'open';
    if (this.opts.after !== undefined) this.buffered = [];
    this.unsubscribe = this.opts.bus.subscribe((event) => {
      if (!this.matches(event)) return;
      if (this.buffered) this.buffered.push(event);
      else this.deliver(event);
    });
    if (this.buffered) void this.replay(this.opts.after!);
  }

  /** Stored events a page at a time, each page once the consumer has taken the one before. */
  private async replay(after: bigint): Promise<void> {
    const { orgId, filter, reader } = this.opts;
    try {
      for (;;) {
        const page = await reader.listEvents({ orgId, after, taskId: filter.taskId, runId: filter.runId, limit: REPLAY_PAGE });
        if (this.closed) return;
        for (const event of page) {
          if (this.matches(event)) this.deliver(event);
          else this.last = event.seq;
        }
        await this.drained();
        if (page.length < REPLAY_PAGE || this.closed) break;
        after = page[page.length - 1]!.seq;
      }
      const live = this.buffered!;
      this.buffered = null;
      for (const event of live) this.deliver(event);
    } catch (error) {
      this.fail(error);
    }
  }

  private deliver(event: RunEvent): void {
    if (this.state === 'closed' || (this.last !== null && event.seq <= this.last)) return;
    const waiter = this.waiters.shift();
    // Cut off before this event: resuming after the last one queued gets it from the database.
    if (!waiter && this.queue.length - this.head >= MAX_BACKLOG) return this.fail(new SubscriberTooSlowError(this.last));
    this.last = event.seq;
    if (waiter) waiter.resolve({ value: event, done: false });
    else this.queue.push(event);
  }

  private take(): RunEvent {
    const event = this.queue[this.head++]!;
    if (this.head === this.queue.length) {
      this.queue.length = this.head = 0;
      this.onDrained?.();
    } else if (this.head >= COMPACT_AFTER) {
      // A consumer that stays a little behind never empties the queue: drop what it has taken.
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return event;
  }

  private drained(): Promise<void> {
    if (this.head === this.queue.length || this.state === 'closed') return Promise.resolve();
    return new Promise((resolve) => (this.onDrained = () => ((this.onDrained = null), resolve())));
  }

  /** What is queued still reaches the consumer, then the error. */
  private fail(error: unknown): void {
    if (this.state === 'closed') return;
    this.failure = { error };
    this.close();
  }

  private close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.unsubscribe();
    this.onDrained?.();
    // Waiting consumers have an empty queue before them.
    for (const waiter of this.waiters.splice(0)) {
      if (this.failure) {
        waiter.reject(this.failure.error);
        this.failure = null;
      } else waiter.resolve(DONE);
    }
  }
}
