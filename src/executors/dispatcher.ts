import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration, scriptBody } from '../options/index.js';
import type { Logger } from '../server/logger.js';
import { RunNotFoundError } from '../store/errors.js';
import { formatId, type ID } from '../store/id.js';
import type { AttemptOutcome, ClaimedRun, ExecutorFilter, LogWriter, SchedulerStore } from '../store/types.js';
import type { Executor } from './executor.js';

export interface DispatcherOptions {
  store: SchedulerStore & Pick<LogWriter, 'addRunLog'>;
  /** By name: the runs of tasks whose executor (or the default) is one of these are claimed here. */
  executors: Readonly<Record<string, Executor>>;
  defaultExecutor: string;
  /** This process's lease holder name. */
  holder: string;
  leaseMs: number;
  log: Logger;
}

/** Runs claimed per call; the dispatcher claims again while batches come back full. */
const CLAIM_BATCH = 100;

/** Why an attempt was stopped before its executor finished. */
type StopReason = 'canceled' | 'timeout' | 'lost' | 'shutdown';

/**
 * Executes runs in this process: claims them for its executors, renews their leases every third of the
 * lease, enforces the task's timeout, stops them on cancel, and reports each outcome.
 */
export class LocalDispatcher {
  private readonly attempts = new Map<ID, LocalAttempt>();
  private claiming = true;
  private claimPass: Promise<number> | null = null;
  private claimAgain = false;

  constructor(private readonly options: DispatcherOptions) {}

  get filter(): ExecutorFilter {
    return { executors: Object.keys(this.options.executors), defaultExecutor: this.options.defaultExecutor };
  }

  get running(): number {
    return this.attempts.size;
  }

  /**
   * Claims every due run it can and starts them; resolves with how many (it does not wait for them).
   * A call while claiming is under way joins it, and has it look once more when it is done.
   */
  claim(): Promise<number> {
    if (this.claimPass !== null) {
      this.claimAgain = true;
      return this.claimPass;
    }
    this.claimPass = this.claimUntilNothingNew().finally(() => (this.claimPass = null));
    return this.claimPass;
  }

  private async claimUntilNothingNew(): Promise<number> {
    let total = 0;
    do {
      this.claimAgain = false;
      total += await this.claimBatches();
    } while (this.claimAgain && this.claiming);
    return total;
  }

  private async claimBatches(): Promise<number> {
    let total = 0;
    while (this.claiming && this.filter.executors.length > 0) {
      const { holder, leaseMs } = this.options;
      const batch = await this.options.store.claimRuns({ ...this.filter, holder, leaseMs, max: CLAIM_BATCH });
      for (const claimed of batch) this.start(claimed);
      total += batch.length;
      if (batch.length < CLAIM_BATCH) break;
    }
    return total;
  }

  cancel(runId: ID): void {
    this.attempts.get(runId)?.stop('canceled');
  }

  /** Claims no more, lets attempts finish for `drainMs`, then stops the rest (they end `canceled`). */
  async stop(drainMs: number): Promise<void> {
    this.claiming = false;
    const all = () => Promise.all([...this.attempts.values()].map((attempt) => attempt.done));
    const drained = await Promise.race([all().then(() => true), sleep(drainMs, false, { ref: false })]);
    if (drained) return;
    for (const attempt of this.attempts.values()) attempt.stop('shutdown');
    await all();
  }

  private start(claimed: ClaimedRun): void {
    const executor = this.options.executors[claimed.executor]!;
    const attempt = new LocalAttempt(claimed, executor, this.options);
    this.attempts.set(claimed.run.id, attempt);
    void attempt.done.finally(() => this.attempts.delete(claimed.run.id));
  }
}

class LocalAttempt {
  readonly done: Promise<void>;
  private readonly controller = new AbortController();
  private reason: StopReason | null = null;
  private settled = false;
  private logs: Promise<unknown> = Promise.resolve();
  private readonly log: Logger;

  constructor(
    private readonly claimed: ClaimedRun,
    private readonly executor: Executor,
    private readonly options: DispatcherOptions,
  ) {
    this.log = options.log.child({ runId: formatId(claimed.run.id), taskId: formatId(claimed.task.id), executor: claimed.executor });
    this.done = this.run();
  }

  /** The first reason wins; after the executor has finished, stopping changes nothing. */
  stop(reason: StopReason): void {
    if (this.settled || this.reason !== null) return;
    this.reason = reason;
    if (reason === 'shutdown') this.addLog('Stopped: the server is shutting down');
    this.controller.abort();
  }

  private async run(): Promise<void> {
    const { run, task } = this.claimed;
    const renewal = setInterval(() => void this.renew(), this.options.leaseMs / 3);
    const timeout = task.timeoutMs === null ? undefined : setTimeout(() => this.stop('timeout'), task.timeoutMs);
    this.log.debug('attempt started');
    try {
      const result = await this.execute();
      this.settled = true;
      clearTimeout(timeout);
      await this.logs;
      if (this.reason === 'lost') return this.log.warn('lease lost: another process ended this attempt');
      const outcome = this.outcome(result);
      await this.options.store.completeAttempt(run.id, this.claimed.holder, outcome);
      this.log.debug({ outcome: outcome.status }, 'attempt ended');
    } catch (err) {
      this.log.error({ err }, 'could not report the end of an attempt; the reaper will once its lease expires');
    } finally {
      clearInterval(renewal);
      clearTimeout(timeout);
    }
  }

  private async execute(): Promise<AttemptOutcome> {
    const { run, task, deadline } = this.claimed;
    const req = {
      task,
      run,
      scheduledFor: new Date(run.scheduledFor * 1000),
      body: scriptBody(task.script),
      try: run.try,
      deadline,
      signal: this.controller.signal,
    };
    try {
      return await this.executor.execute(req, (line) => this.addLog(line));
    } catch (err) {
      return { status: 'failed', reason: err instanceof Error ? err.message : String(err) };
    }
  }

  private outcome(result: AttemptOutcome): AttemptOutcome {
    switch (this.reason) {
      case null:
        return result;
      case 'timeout':
        return { status: 'failed', reason: `timed out after ${formatDuration(BigInt(this.claimed.task.timeoutMs!) * 1_000_000n)}` };
      default:
        return { status: 'canceled' };
    }
  }

  /** Lines land in order: each waits for the one before. */
  private addLog(line: string): void {
    const { run } = this.claimed;
    const base = { taskId: run.taskId, runId: run.id, scheduledFor: run.scheduledFor };
    this.logs = this.logs
      .then(() => this.options.store.addRunLog(base, new Date(), line))
      .catch((err) => this.log.warn({ err }, 'could not store a log line'));
  }

  private async renew(): Promise<void> {
    try {
      const lease = await this.options.store.heartbeat(this.claimed.run.id, this.claimed.holder, this.options.leaseMs);
      if (lease.cancelRequested) this.stop('canceled');
    } catch (err) {
      if (err instanceof RunNotFoundError) this.stop('lost');
      else this.log.warn({ err }, 'could not renew the lease');
    }
  }
}
