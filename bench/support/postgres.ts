import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { migrate } from '../../src/db/migrate.js';
import { withDatabaseName } from '../../test/helpers/urls.js';

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(adminUrl: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** A new database on the server under test (`bench_<label>_<hex>`), migrated for Tickwork unless told otherwise. */
export async function freshDatabase(adminUrl: string, label: string, migrated = true): Promise<BenchDatabase> {
  const name = `bench_${label}_${randomBytes(4).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const url = withDatabaseName(adminUrl, name);
  if (migrated) await migrate(url);
  return { name, url, drop: () => dropDatabase(adminUrl, name) };
}

/**
 * Waits up to 5 s for the database's last connections to close before forcing it: a pool that is still
 * closing its connections emits the termination as an unhandled 'error' event and takes the process down.
 */
async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name}`);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '55006') throw err; // object_in_use
      await sleep(100);
    }
  }
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/** Runs `fn` on a fresh database and drops it afterwards, whatever happens. */
export async function withDatabase<T>(adminUrl: string, label: string, fn: (db: BenchDatabase) => Promise<T>, migrated = true): Promise<T> {
  const db = await freshDatabase(adminUrl, label, migrated);
  try {
    return await fn(db);
  } finally {
    await db.drop();
  }
}
