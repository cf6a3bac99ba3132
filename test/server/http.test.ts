import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/server.js';
import { seedTenant } from '../helpers/tenant.js';

describe('HTTP server', () => {
  const env = useTestServer();

  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${env.server.origin}/healthz`)).status).toBe(200);
    expect((await fetch(`${env.server.origin}/readyz`)).status).toBe(200);
  });

  it('serves GraphQL at /graphql', async () => {
    const tenant = await seedTenant(env.server.app.services.accounts);
    const res = await env.server.graphql('{ server { version startedAt embeddedDatabase } }', undefined, tenant.headers);
    expect(res.status).toBe(200);
    expect(res.body.data.server.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(new Date(res.body.data.server.startedAt).getTime()).toBeLessThanOrEqual(Date.now());
    expect(res.body.data.server.embeddedDatabase).toBe(env.db.embedded);
  });

  it('serves GraphiQL to a browser', async () => {
    const res = await fetch(`${env.server.origin}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('GraphiQL');
  });

  it('answers unknown paths with 404', async () => {
    expect((await fetch(`${env.server.origin}/nope`)).status).toBe(404);
  });

  it('is not ready while a migration is unfinished', async () => {
    await env.db.prisma.$executeRaw`UPDATE _prisma_migrations SET finished_at = NULL`;
    try {
      expect((await fetch(`${env.server.origin}/healthz`)).status).toBe(200);
      expect((await fetch(`${env.server.origin}/readyz`)).status).toBe(503);
    } finally {
      await env.db.prisma.$executeRaw`UPDATE _prisma_migrations SET finished_at = now()`;
    }
    expect((await fetch(`${env.server.origin}/readyz`)).status).toBe(200);
  });
});
