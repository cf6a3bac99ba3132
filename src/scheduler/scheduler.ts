import type { LocalDispatcher } from '../executors/index.js';
import type { Logger } from '../server/logger.js';
import type { ExecutorFilter, SchedulerStore } from '../store/types.js';
import type { ScheduleListener } from './signals.js';

export interface SchedulerOptions {
  store: SchedulerStore;
  /** Executes runs in this process; null when all runs go to workers. */
  dispatcher: LocalDispatcher | null;
  signals: { subscribe(listener: ScheduleListener): () => void };
  log: Logger;
  leaseMs: number;
  cancelGraceMs: number;
}

/** Tasks locked per scheduleDue transaction; the scheduler goes on while batches come back full. */
const SCHEDULE_BATCH = 100;
/** A safety net: nothing should need it, since every change wakes the scheduler. */
const MAX_SLEEP_MS = 30_000;
/** When work is due that another process holds locked: look again soon rather than spin. */
const LOCKED_RETRY_MS = 25;
const REAP_BATCH = 100;
const MAX_ERROR_BACKOFF_MS = 30_000;
const NO_CLAIMS: ExecutorFilter = { executors: [], defaultExecutor: '' };

/**
 * One per process (scheduler.md §1): creates due runs, hands them to the local dispatcher, and sleeps
 * until the next thing is due by the database clock, or until a signal says something changed. Any
 * number of processes can run one on the same database: tasks and runs are taken with SKIP LOCKED.
 * A reaper on a timer ends attempts whose lease expired or whose cancel grace ran out.
 */
export class Scheduler {
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private again = false;
  private wakeUp: (() => void) | null = null;
  private reschedule: (() => void) | null = null;
  /** The latest the next sleep may end (performance.now() time). */
  private deadline = Infinity;
  private reaper: NodeJS.Timeout | undefined;
  private reaping = false;
  private unsubscribe = () => {};

  constructor(private readonly options: SchedulerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.options.signals.subscribe((signal) => {
      if (signal.kind === 'wake') this.wake();
      else if (signal.kind === 'due') this.wakeBy(performance.now() + signal.inMs);
      else this.options.dispatcher?.cancel(signal.runId);
    });
    this.reaper = setInterval(() => void this.reap(), Math.min(5_000, this.options.leaseMs / 3));
    this.loop = this.run();
  }

  /** Look again now (or right after the pass in progress). */
  wake(): void {
    this.again = true;
    this.wakeUp?.();
  }

  /** Sleep no later than `at` (performance.now() time): the pass in progress may not have counted what is due then. */
  private wakeBy(at: number): void {
    this.deadline = Math.min(this.deadline, at);
    this.reschedule?.();
  }

  /** Stops creating and claiming runs, then gives running attempts `drainMs` before stopping them. */
  async stop(drainMs: number): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.reaper);
    this.wake();
    await this.loop;
    await this.options.dispatcher?.stop(drainMs);
    this.unsubscribe(); // cancels still reach attempts while they drain
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      this.again = false;
      let delay: number;
      try {
        delay = await this.pass();
        failures = 0;
      } catch (err) {
        failures++;
        delay = Math.min(MAX_ERROR_BACKOFF_MS, 250 * 2 ** failures);
        this.options.log.error({ err, retryInMs: delay }, 'scheduler pass failed');
      }
      if (!this.again && this.running && delay > 0) await this.sleep(delay);
    }
  }

  /** Creates what is due, claims what it can run, and says how long to sleep. */
  private async pass(): Promise<number> {
    const { store, dispatcher } = this.options;
    let progress = 0;
    const claims: Promise<number>[] = [];
    const claim = (claiming: Promise<number>) => {
      claiming.catch(() => {}); // handled below, or by the pass's own failure if scheduleDue throws first
      claims.push(claiming);
    };
    for (let batch = SCHEDULE_BATCH; batch === SCHEDULE_BATCH && this.running; ) {
      batch = (await store.scheduleDue(SCHEDULE_BATCH)).length;
      progress += batch;
      // Claiming starts with the first batch, not after the last: the first runs do not wait for the rest.
      if (batch > 0 && dispatcher) claim(dispatcher.claim());
    }
    if (dispatcher && this.running) claim(dispatcher.claim());
    for (const claimed of await Promise.all(claims)) progress += claimed;
    const asked = Date.now();
    const { now, at } = await store.nextWake(dispatcher?.filter ?? NO_CLAIMS);
    if (at === null) return MAX_SLEEP_MS;
    // `now` is the transaction's start, at most the time since asking ago: waking early only costs a pass.
    // 1 ms more, so that the due second has begun.
    const delay = at.getTime() - now.getTime() - (Date.now() - asked) + 1;
    if (delay > 0) return Math.min(delay, MAX_SLEEP_MS);
    return progress > 0 ? 0 : LOCKED_RETRY_MS;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = this.reschedule = null;
        this.deadline = Infinity;
        resolve();
      };
      const until = Math.min(performance.now() + ms, this.deadline);
      this.reschedule = () => {
        clearTimeout(timer);
        timer = setTimeout(done, Math.max(0, Math.min(until, this.deadline) - performance.now()));
      };
      this.wakeUp = done;
      this.reschedule();
    });
  }

  private async reap(): Promise<void> {
    if (this.reaping) return;
    this.reaping = true;
    try {
      const reaped = await this.options.store.reap(REAP_BATCH, this.options.cancelGraceMs);
      if (reaped.length > 0) this.options.log.info({ runs: reaped.length }, 'reaped attempts whose lease expired or whose cancel grace ran out');
    } catch (err) {
      this.options.log.error({ err }, 'reaper failed');
    } finally {
      this.reaping = false;
    }
  }
}
