import { afterAll, beforeAll } from 'vitest';
import { buildApp, type App, type AppOptions } from '../../src/server/app.js';
import type { Database } from '../../src/db/database.js';
import { createLogger } from '../../src/server/logger.js';
import { createTestDatabase } from './database.js';

export interface TestServer {
  app: App;
  /** http://127.0.0.1:<port> */
  origin: string;
  graphql(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse>;
  stop(): Promise<void>;
}

export interface GraphQLResponse {
  status: number;
  body: { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

/** The real HTTP server on a free port, over the given database. */
export async function startTestServer(db: Database, options: Partial<AppOptions> = {}): Promise<TestServer> {
  const app = await buildApp({ db, log: createLogger('silent'), ...options });
  const port = await app.start(0);
  const origin = `http://127.0.0.1:${port}`;
  return {
    app,
    origin,
    async graphql(query, variables, headers = {}) {
      const res = await fetch(`${origin}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, body: await res.json() };
    },
    stop: () => app.stop(),
  };
}

/** Gives this test file its own database and server for all its tests (hooks registered here). */
export function useTestServer(): { readonly db: Database; readonly server: TestServer } {
  const env = {} as { db: Database; server: TestServer };
  beforeAll(async () => {
    env.db = await createTestDatabase();
    env.server = await startTestServer(env.db);
  });
  afterAll(async () => {
    await env.server?.stop();
    await env.db?.close();
  });
  return env;
}
