import { runScript, scriptEnvironment } from '../executors/script-process.js';
import type { Logger } from '../server/logger.js';
import type { AttemptOutcome } from '../store/types.js';
import { WorkerApiError, type ClaimedRunInfo, type WorkerClient, type WorkerOutcome } from './client.js';

export interface AttemptOptions {
  client: WorkerClient;
  command: string[];
  leaseSeconds: number;
  log: Logger;
}

/** Why an attempt was stopped from outside its script. `lost`: the lease went to someone else. */
type Interruption = 'canceled' | 'timeout' | 'stopped' | 'lost';

const FINISH_TRIES = 3;

function outcomeOf(run: ClaimedRunInfo, result: AttemptOutcome, interruption: Interruption | null): [WorkerOutcome, string?] {
  if (interruption === 'canceled') return ['CANCELED'];
  if (interruption === 'timeout') return ['FAILED', `timed out after ${run.timeout}`];
  if (interruption === 'stopped') return ['FAILED', 'worker stopped'];
  return result.status === 'failed' ? ['FAILED', result.reason] : ['SUCCESS'];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One claimed run: its script in a child process, log lines, heartbeats, the deadline, and the outcome. */
export class Attempt {
  private interruption: Interruption | null = null;
  private readonly abort = new AbortController();
  /** Log lines go out one after the other, so the run's log keeps the script's order. */
  private logs: Promise<void> = Promise.resolve();
  private readonly log: Logger;

  constructor(
    readonly run: ClaimedRunInfo,
    private readonly options: AttemptOptions,
  ) {
    this.log = options.log.child({ runId: run.id, taskId: run.taskId });
  }

  async execute(): Promise<void> {
    const { run, options } = this;
    const heartbeats = setInterval(() => void this.heartbeat(), (options.leaseSeconds * 1000) / 3);
    const deadline = run.deadline ? setTimeout(() => this.interrupt('timeout'), Date.parse(run.deadline) - Date.now()) : undefined;
    const result = await runScript({
      command: options.command,
      script: run.script,
      env: scriptEnvironment({ taskId: run.taskId, runId: run.id, scheduledFor: new Date(run.scheduledFor), try: run.try }),
      signal: this.abort.signal,
      onLine: (line) => this.sendLog(line),
    });
    clearInterval(heartbeats);
    clearTimeout(deadline);
    await this.logs;
    if (this.interruption === 'lost') return this.log.warn('lease lost; the run is no longer ours');
    await this.finish(...outcomeOf(run, result, this.interruption));
  }

  /** Stops the script; the first reason given is the one reported. */
  interrupt(reason: Interruption): void {
    this.interruption ??= reason;
    this.abort.abort();
  }

  private sendLog(line: string): void {
    this.logs = this.logs
      .then(() => this.options.client.addRunLog(this.run.id, line))
      .catch((err) => this.log.warn({ err }, 'could not send a log line'));
  }

  private async heartbeat(): Promise<void> {
    try {
      const lease = await this.options.client.heartbeat(this.run.id, this.options.leaseSeconds);
      if (lease.cancelRequested) this.interrupt('canceled');
    } catch (err) {
      if (err instanceof WorkerApiError) this.interrupt('lost');
      else this.log.warn({ err }, 'heartbeat failed; trying again');
    }
  }

  /** Transient failures are retried; after that the lease runs out and the reaper applies the retry rule. */
  private async finish(outcome: WorkerOutcome, error?: string): Promise<void> {
    for (let tryNo = 1; ; tryNo++) {
      try {
        await this.options.client.finishRun(this.run.id, outcome, error);
        return this.log.info({ outcome, error }, 'run finished');
      } catch (err) {
        if (err instanceof WorkerApiError || tryNo === FINISH_TRIES) return this.log.error({ err, outcome }, 'could not report the outcome');
        await sleep(tryNo * 1000);
      }
    }
  }
}
