import type { AttemptOutcome, Run, Task } from '../store/types.js';

/** One attempt of a run, as an executor sees it. */
export interface ExecutionRequest {
  task: Task;
  run: Run;
  /** The script's `now`. */
  scheduledFor: Date;
  /** The script without its `option task` statement. */
  body: string;
  /** Attempt number, from 1. */
  try: number;
  /** When the attempt times out (the dispatcher aborts `signal` then), or null. */
  deadline: Date | null;
  /** Aborted on cancel, timeout, lost lease or shutdown: stop the work, then resolve. */
  signal: AbortSignal;
}

/** Runs attempts somewhere (a child process, a database, an HTTP endpoint…) and reports how they ended. */
export interface Executor {
  /**
   * Resolves once the work has stopped; failures are outcomes, not rejections (a rejection counts as a
   * failure with its message). After `signal` aborts, the outcome is ignored: the dispatcher knows why.
   */
  execute(req: ExecutionRequest, log: (line: string) => void): Promise<Exclude<AttemptOutcome, { status: 'canceled' }>>;
}
