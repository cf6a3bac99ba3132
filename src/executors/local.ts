import type { Executor } from './executor.js';
import { shellExecutor } from './shell.js';

/** Succeeds at once: for tests and benchmarks of the scheduler itself. */
export const noopExecutor: Executor = { execute: async () => ({ status: 'success' }) };

/** The executors a server can run in its own process, by the name TICKWORK_EXECUTORS and tasks use. */
export const LOCAL_EXECUTORS: Readonly<Record<string, Executor>> = { shell: shellExecutor, noop: noopExecutor };
