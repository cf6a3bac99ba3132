export type { ExecutionRequest, Executor } from './executor.js';
export { LocalDispatcher } from './dispatcher.js';
export { LOCAL_EXECUTORS, noopExecutor } from './local.js';
export { shellExecutor } from './shell.js';
