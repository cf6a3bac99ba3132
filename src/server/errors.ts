import { GraphQLError, type ExecutionResult } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';
import type { Context } from '../schema/context.js';
import { NotFoundError, StoreError } from '../store/errors.js';

function storeErrorCode(err: StoreError): string {
  return err instanceof NotFoundError ? 'NOT_FOUND' : 'BAD_USER_INPUT';
}

/**
 * Top-level errors: a store error (bad input, not found) keeps its exact message and gets a code;
 * anything else unexpected is logged with the request ID and reaches the client only as
 * "Unexpected error." with that ID, never with a stack or internals.
 */
function present(error: GraphQLError, ctx: Context): GraphQLError {
  const cause = error.originalError;
  if (!cause || cause instanceof GraphQLError) return error;
  if (cause instanceof StoreError) {
    return new GraphQLError(cause.message, { path: error.path, extensions: { code: storeErrorCode(cause) } });
  }
  ctx.log.error({ err: cause, path: error.path }, 'unexpected error');
  return new GraphQLError('Unexpected error.', {
    path: error.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: ctx.requestId },
  });
}

type ResultHook = Parameters<typeof handleStreamOrSingleExecutionResult>[0];

function presentAll(payload: ResultHook): void {
  const ctx = payload.args.contextValue as Context;
  handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
    if (result.errors?.length) setResult({ ...result, errors: result.errors.map((error) => present(error, ctx)) });
  });
}

/** Queries, mutations and subscriptions alike (a subscription's setup errors and each event's). */
export function usePresentedErrors(): Plugin<Context> {
  return {
    onExecute: () => ({ onExecuteDone: presentAll }),
    onSubscribe: () => ({ onSubscribeResult: presentAll }),
  };
}
