import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { authenticate, AuthenticationError, type Viewer } from '../auth/viewer.js';
import type { Context, ServerInfo } from '../schema/context.js';
import type { Logger } from './logger.js';
import type { Services } from './services.js';

/** What Yoga hands the context factory: an HTTP request, or (WebSocket) the viewer found at connect time. */
export interface InitialContext {
  request?: Request;
  viewer?: Viewer;
}

function unauthenticated(err: AuthenticationError): GraphQLError {
  return new GraphQLError(err.message, {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } },
  });
}

export function contextFactory(services: Services, log: Logger, server: ServerInfo) {
  return async (initial: InitialContext): Promise<Context> => {
    const requestId = initial.request?.headers.get('x-request-id') || randomUUID();
    let viewer = initial.viewer;
    if (!viewer) {
      try {
        viewer = await authenticate(services.accounts, initial.request?.headers.get('authorization'));
      } catch (err) {
        if (err instanceof AuthenticationError) throw unauthenticated(err);
        throw err;
      }
    }
    return { requestId, log: log.child({ requestId }), prisma: services.db.prisma, services, viewer, server };
  };
}
