import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { inject } from 'vitest';
import { EMBEDDED_POOL_SIZE, type Database } from '../../src/db/database.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { createPrismaClient } from '../../src/db/prisma.js';
import { withDatabaseName } from './urls.js';

const POOL_SIZE = 8;

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

async function postgresDatabase(template: string | null): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tickwork_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
  return {
    url: withDatabaseName(process.env.TEST_DATABASE_URL!, name),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function pgliteDatabase(migrated: boolean): Promise<{ url: string; drop(): Promise<void> }> {
  const dump = migrated ? new Blob([await readFile(inject('pgliteTemplate'))]) : undefined;
  const embedded = await startEmbeddedPostgres({ maxConnections: POOL_SIZE + 8, ...(dump ? { loadDataDir: dump } : {}) });
  return { url: embedded.url, drop: () => embedded.close() };
}

function onTestBackend(migrated: boolean): Promise<{ url: string; drop(): Promise<void> }> {
  if (process.env.TEST_DATABASE_URL) return postgresDatabase(migrated ? inject('postgresTemplate') : null);
  return pgliteDatabase(migrated);
}

/** A migrated database of this test file's own: a PGlite copy, or a Postgres clone of the template. */
export async function createTestDatabase(): Promise<Database> {
  const { url, drop } = await onTestBackend(true);
  const prisma = createPrismaClient(url, process.env.TEST_DATABASE_URL ? POOL_SIZE : EMBEDDED_POOL_SIZE);
  return {
    url,
    prisma,
    embedded: !process.env.TEST_DATABASE_URL,
    async close() {
      await prisma.$disconnect();
      await drop();
    },
  };
}

/** An empty database (no migrations) for migrator tests. */
export function createEmptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  return onTestBackend(false);
}
