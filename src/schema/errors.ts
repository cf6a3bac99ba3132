import { ForbiddenError } from '../auth/forbidden.js';
import {
  ManualQueueFullError,
  NotFoundError,
  RequestStillQueuedError,
  RunNotFinishedError,
  ValidationError,
} from '../store/errors.js';
import { builder } from './builder.js';

// Errors as data: mutation results are unions of a success type and these, and every one implements
// `Error { message }` with the store's exact text.

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'Every expected failure of a mutation. `... on Error { message }` always works.',
  fields: (t) => ({ message: t.exposeString('message', { description: 'What went wrong, in the store\'s exact words.' }) }),
});

function errorObject(cls: new (...args: any[]) => Error, name: string, description: string) {
  builder.objectType(cls, { name, description, interfaces: [ErrorInterface], isTypeOf: (value) => value instanceof cls });
}

errorObject(NotFoundError, 'NotFoundError', 'The task or run does not exist, or belongs to another org.');
errorObject(ValidationError, 'ValidationError', 'The input was refused (bad script, options, ID, time range…); nothing changed.');
errorObject(ManualQueueFullError, 'ManualQueueFullError', 'The task already has 32 manual requests queued.');
errorObject(RunNotFinishedError, 'RunNotFinishedError', 'The run is still in progress, so it cannot be retried.');
errorObject(ForbiddenError, 'ForbiddenError', 'The token lacks the permission this mutation needs.');

builder.objectType(RequestStillQueuedError, {
  name: 'RequestStillQueuedError',
  description: 'The same time range is still queued; the message parses back into start and end.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof RequestStillQueuedError,
  fields: (t) => ({
    start: t.field({ type: 'DateTime', description: 'Start of the queued range.', resolve: (e) => new Date(e.start * 1000) }),
    end: t.field({ type: 'DateTime', description: 'End of the queued range.', resolve: (e) => new Date(e.end * 1000) }),
  }),
});

/** The errors every task mutation can return. */
export const TASK_MUTATION_ERRORS = [ForbiddenError, NotFoundError, ValidationError];
export const MANUAL_RUN_ERRORS = [...TASK_MUTATION_ERRORS, ManualQueueFullError, RequestStillQueuedError, RunNotFinishedError];
