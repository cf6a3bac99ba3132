import type { Server } from 'node:http';
import { GraphQLError, type DocumentNode, type ExecutionArgs } from 'graphql';
import { CloseCode, type OperationResult } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { authenticate, AuthenticationError, type Viewer } from '../auth/viewer.js';
import type { AccountStore } from '../store/types.js';
import type { InitialContext } from './context.js';

export const MAX_MESSAGE_BYTES = 1024 * 1024;

type ConnectionExtra = { viewer?: Viewer };

type Run = (args: ExecutionArgs) => OperationResult;
type Enveloped = { execute: Run; subscribe: Run };

/**
 * graphql-ws on the same server and path as HTTP. Operations go through Yoga's envelop, so limits,
 * masking and the context factory apply exactly as over HTTP.
 */
export function attachWebSocket(
  httpServer: Server,
  yoga: YogaServerInstance<InitialContext, object>,
  accounts: AccountStore,
): { dispose(): void | Promise<void> } {
  const wss = new WebSocketServer({ server: httpServer, path: yoga.graphqlEndpoint, maxPayload: MAX_MESSAGE_BYTES });
  return useServer<Record<string, unknown>, ConnectionExtra>(
    {
      execute: (args) => (args.rootValue as Enveloped).execute(args),
      subscribe: (args) => (args.rootValue as Enveloped).subscribe(args),
      onConnect: async (ctx) => {
        try {
          ctx.extra.viewer = await authenticate(accounts, ctx.connectionParams?.authorization as string | undefined);
          return true;
        } catch (err) {
          if (!(err instanceof AuthenticationError)) throw err;
          if (err.failure === 'missing') ctx.extra.socket.close(CloseCode.Unauthorized, err.message);
          return false; // graphql-ws closes with 4403 Forbidden
        }
      },
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          viewer: ctx.extra.viewer,
          params,
        } as InitialContext);
        let document: DocumentNode;
        try {
          // armor's limits run in parse and validate, and may throw their GraphQLError instead of returning it
          document = parse(params.query);
          const errors = validate(schema, document);
          if (errors.length) return errors;
        } catch (err) {
          if (err instanceof GraphQLError) return [err];
          throw err;
        }
        return {
          schema,
          document,
          operationName: params.operationName,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
      },
    },
    wss,
  );
}
