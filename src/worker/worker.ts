import type { Logger } from '../server/logger.js';
import { Attempt } from './attempt.js';
import { WorkerApiError, type WorkerClient } from './client.js';

export interface WorkerOptions {
  client: WorkerClient;
  queue: string;
  /** The interpreter for scripts, e.g. ["sh"] (run as `sh -c <script>`). */
  command: string[];
  concurrency: number;
  leaseSeconds: number;
  /** After stop(), how long running attempts may go on before they are killed and reported failed. */
  graceMs: number;
  log: Logger;
}

/** Polling interval while idle: doubles from the first to the second, back to the first once a run is claimed. */
const IDLE_MS = { min: 200, max: 5_000 };

/**
 * Polls `claimRuns` for up to `concurrency` runs at a time and executes each with the given interpreter.
 * stop() stops claiming; run() resolves once every held run is finished or reported failed.
 */
export class Worker {
  private readonly running = new Set<Attempt>();
  private stopping = false;
  private wake: () => void = () => {};

  constructor(private readonly options: WorkerOptions) {}

  /** Rejects with the WorkerApiError of a refused claim (token, permission, queue name) once held runs are done. */
  async run(): Promise<void> {
    try {
      await this.poll();
    } finally {
      await this.drain();
    }
  }

  private async poll(): Promise<void> {
    let idle = IDLE_MS.min;
    while (!this.stopping) {
      const free = this.options.concurrency - this.running.size;
      const claimed = free > 0 ? await this.claim(free) : 0;
      if (claimed > 0) idle = IDLE_MS.min;
      else {
        await this.pause(free > 0 ? idle : null);
        if (free > 0) idle = Math.min(idle * 2, IDLE_MS.max);
      }
    }
  }

  stop(): void {
    this.stopping = true;
    this.wake();
  }

  private async claim(max: number): Promise<number> {
    const { client, queue, leaseSeconds, log } = this.options;
    try {
      const runs = await client.claimRuns(queue, max, leaseSeconds);
      for (const run of runs) this.start(new Attempt(run, this.options));
      return runs.length;
    } catch (err) {
      if (err instanceof WorkerApiError) throw err; // asking again gets the same answer
      log.warn({ err }, 'claimRuns failed; trying again');
      return 0;
    }
  }

  private start(attempt: Attempt): void {
    this.options.log.info({ runId: attempt.run.id, taskId: attempt.run.taskId, try: attempt.run.try }, 'run claimed');
    this.running.add(attempt);
    void attempt.execute().finally(() => {
      this.running.delete(attempt);
      this.wake();
    });
  }

  /** Until `ms` passed (null: until an attempt ends) or stop(). */
  private pause(ms: number | null): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === null ? undefined : setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async drain(): Promise<void> {
    const grace = setTimeout(() => this.running.forEach((attempt) => attempt.interrupt('stopped')), this.options.graceMs);
    while (this.running.size > 0) await this.pause(null);
    clearTimeout(grace);
  }
}
