import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { createPrismaClient } from '../../src/db/prisma.js';
import { createEmptyDatabase, createTestDatabase } from '../helpers/database.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('HTTP server', () => {
  let db: Database;
  let server: TestServer;
  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startTestServer(db);
  });
  afterAll(async () => {
    await server.stop();
    await db.close();
  });

  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.origin}/readyz`)).status).toBe(200);
  });

  it('serves GraphQL at /graphql', async () => {
    const res = await server.graphql('{ server { version startedAt embeddedDatabase } }');
    expect(res.status).toBe(200);
    expect(res.body.data.server.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(new Date(res.body.data.server.startedAt).getTime()).toBeLessThanOrEqual(Date.now());
    expect(res.body.data.server.embeddedDatabase).toBe(db.embedded);
  });

  it('serves GraphiQL to a browser', async () => {
    const res = await fetch(`${server.origin}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('GraphiQL');
  });

  it('answers unknown paths with 404', async () => {
    expect((await fetch(`${server.origin}/nope`)).status).toBe(404);
  });
});

describe('readiness', () => {
  it('is not ready while migrations are missing', async () => {
    const empty = await createEmptyDatabase();
    const prisma = createPrismaClient(empty.url, 2);
    const db: Database = { url: empty.url, prisma, embedded: true, close: async () => {} };
    const server = await startTestServer(db);
    try {
      expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.origin}/readyz`)).status).toBe(503);
    } finally {
      await server.stop();
      await prisma.$disconnect();
      await empty.drop();
    }
  });
});
