import { createSourceEventStream, execute, GraphQLError, getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../schema/context.js';

type Result = ExecutionResult | Promise<ExecutionResult>;
type Args = Parameters<typeof execute>[0];

/**
 * Subscribers of the same event with the same document, variables, operation and viewer scope get the
 * same result: an event published on the bus is one object for all its subscribers, so it is executed
 * once per such group and the result object is shared, instead of once per subscriber (1,000 subscribers
 * were 1,000 executions of every event). Replayed events (`after`) are read per subscriber and so are
 * executed per subscriber. Everything before the event stream (armor's limits, auth, the subscribe
 * resolver with its tenancy and filters) and after it (error masking and presentation per subscriber)
 * runs as before.
 */
export function useSharedSubscriptionExecution(): Plugin<Context> {
  return {
    onSubscribe: ({ subscribeFn, setSubscribeFn }) => {
      setSubscribeFn(async (args) => {
        const source = await createSourceEventStream(args);
        // Setup errors (bad variables, not found, forbidden) exactly as the engine reports them.
        // No stream was opened, so the subscribe resolver has nothing to clean up.
        if (!isAsyncIterable(source)) return subscribeFn(args);
        const key = groupKey(args);
        return mapEvents(source, args, (event) => sharedExecution(event, key, args));
      });
    },
  };
}

const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;

/**
 * What the result of one event depends on besides the event: the document, operation and variables,
 * and from the context only the viewer's org, user and permissions (tenancy and auth scopes).
 */
function groupKey(args: Args): string {
  let documentId = documentIds.get(args.document);
  if (documentId === undefined) documentIds.set(args.document, (documentId = nextDocumentId++));
  const { orgId, userId, permissions } = (args.contextValue as Context).viewer;
  const scope = `${orgId}/${userId}/${[...permissions].sort().join(',')}`;
  return `${documentId}\n${args.operationName ?? ''}\n${JSON.stringify(args.variableValues ?? null)}\n${scope}`;
}

const resultsByEvent = new WeakMap<object, Map<string, Result>>();

function sharedExecution(event: unknown, key: string, args: Args): Result {
  if (typeof event !== 'object' || event === null) return run(event, args);
  let results = resultsByEvent.get(event);
  if (!results) resultsByEvent.set(event, (results = new Map()));
  let result = results.get(key);
  if (result === undefined) {
    results.set(key, (result = run(event, args)));
    // Later subscribers take the settled result without another promise.
    if (result instanceof Promise) void result.then((settled) => results.set(key, settled), () => {});
  }
  return result;
}

function run(event: unknown, args: Args): Result {
  return execute({ ...args, rootValue: event }) as Result;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * Maps each event to its result, with `return` reaching the source at once (an async generator would
 * wait for the next event first, keeping a completed subscription on the bus until then). A failing
 * source fails the subscription the way the engine reports it: the error, located at the operation.
 */
function mapEvents(source: AsyncIterable<unknown>, args: Args, map: (event: unknown) => Result): AsyncGenerator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  const operation = getOperationAST(args.document, args.operationName);
  const located = (error: unknown): never => {
    const original = error instanceof Error ? error : new Error(String(error));
    throw new GraphQLError(original.message, { originalError: original, nodes: operation ? [operation] : undefined });
  };
  const done = (): Promise<IteratorResult<ExecutionResult>> => Promise.resolve({ value: undefined, done: true });
  const mapped: AsyncGenerator<ExecutionResult> = {
    next: () =>
      iterator.next().then((step) => {
        if (step.done) return { value: undefined, done: true };
        const result = map(step.value);
        return result instanceof Promise ? result.then((value) => ({ value, done: false })) : { value: result, done: false };
      }, located),
    return: () => (iterator.return ? iterator.return().then(done) : done()),
    throw: (error: unknown) => (iterator.throw ? iterator.throw(error).then(done) : Promise.reject(error)),
    [Symbol.asyncIterator]: () => mapped,
  };
  return mapped;
}
