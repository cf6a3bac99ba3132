import { createClient } from 'graphql-ws';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LIMITS } from '../../src/server/app.js';
import { useTestServer } from '../helpers/server.js';
import { seedTenant, type Tenant } from '../helpers/tenant.js';

const env = useTestServer();
let tenant: Tenant;
beforeAll(async () => {
  tenant = await seedTenant(env.server.app.services.accounts);
});

function deepQuery(levels: number): string {
  let selection = 'id';
  for (let i = 0; i < levels; i++) selection = `task { runs { edges { node { ${selection} } } } }`;
  return `{ tasks { edges { node { runs { edges { node { ${selection} } } } } } } }`;
}

const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: server { version }`).join(' ')} }`;

/** Within the depth limit, but wide at depth: armor weighs deeper fields more. */
function costlyQuery(): string {
  const fields = 'id name script status every cron offset concurrency retry timezone catchup createdAt updatedAt '.repeat(8);
  return `{ tasks { edges { node { runs { edges { node { task { runs { edges { node { task { ${fields} } } } } } } } } } } } }`;
}

const REJECTED = [
  ['an over-deep query', deepQuery(2), /depth/i],
  ['too many aliases', aliases(LIMITS.maxAliases + 1), /aliases/i],
  ['an over-costly query', costlyQuery(), /cost/i],
] as const;

async function stillServing() {
  const ok = await env.server.graphql('{ server { version } }', undefined, tenant.headers);
  expect(ok.body.data.server.version).toBeTruthy();
}

describe('limits over HTTP', () => {
  it.each(REJECTED)('rejects %s with a clear error', async (_name, query, pattern) => {
    const res = await env.server.graphql(query, undefined, tenant.headers);
    expect(res.body.data ?? null).toBeNull();
    expect(res.body.errors![0]!.message).toMatch(pattern);
    await stillServing();
  });

  it('accepts a query within the limits', async () => {
    const res = await env.server.graphql(aliases(LIMITS.maxAliases), undefined, tenant.headers);
    expect(Object.keys(res.body.data)).toHaveLength(LIMITS.maxAliases);
  });

  it('rejects a 2 MiB body with 413', async () => {
    const res = await fetch(`${env.server.origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...tenant.headers },
      body: JSON.stringify({ query: `{ server { version } } # ${'x'.repeat(2 * 1024 * 1024)}` }),
    });
    expect(res.status).toBe(413);
    await stillServing();
  });
});

describe('limits over WebSocket', () => {
  it.each(REJECTED)('rejects %s with a clear error', async (_name, query, pattern) => {
    const client = createClient({
      url: `${env.server.origin.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${tenant.token}` },
    });
    try {
      const result = await new Promise<unknown>((resolve) => {
        client.subscribe({ query }, { next: resolve, error: resolve, complete: () => {} });
      });
      expect(JSON.stringify(result)).toMatch(pattern);
      const ok = await new Promise<{ data?: { server: { version: string } } }>((resolve, reject) => {
        client.subscribe({ query: '{ server { version } }' }, { next: resolve as never, error: reject, complete: () => {} });
      });
      expect(ok.data?.server.version).toBeTruthy();
    } finally {
      await client.dispose();
    }
  });
});
