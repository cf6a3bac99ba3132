import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

// Applies prisma/migrations exactly as `prisma migrate deploy` does (the native schema engine cannot be
// downloaded here), writing the same `_prisma_migrations` rows, so Prisma's own CLI agrees with us.

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));

/** Prisma's advisory lock key for migrations. */
const LOCK_KEY = 72707369;
const LOCK_TIMEOUT_MS = 10_000;

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export interface LocalMigration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  /** Applied migrations whose file no longer matches the recorded checksum. */
  edited: string[];
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export function checksum(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Prisma also accepts a file whose line endings were converted after it was applied. */
function sameChecksum(recorded: string, sql: string): boolean {
  const lf = sql.replace(/\r\n/g, '\n');
  return [sql, lf, lf.replace(/\n/g, '\r\n')].some((text) => checksum(text) === recorded);
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<LocalMigration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: checksum(sql) };
    }),
  );
}

async function appliedRows(client: pg.Client): Promise<MigrationRow[]> {
  const { rows } = await client.query<MigrationRow>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY started_at',
  );
  return rows;
}

/** Names of local migrations with no finished row: what `/readyz` waits for. */
export async function pendingMigrations(url: string, dir = MIGRATIONS_DIR): Promise<string[]> {
  return withClient(url, async (client) => {
    const exists = await client.query<{ t: string | null }>("SELECT to_regclass('_prisma_migrations')::text AS t");
    const rows = exists.rows[0]?.t ? await appliedRows(client) : [];
    const done = new Set(rows.filter((r) => r.finished_at && !r.rolled_back_at).map((r) => r.migration_name));
    return (await readMigrations(dir)).map((m) => m.name).filter((name) => !done.has(name));
  });
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function lock(client: pg.Client): Promise<void> {
  await client.query(`SET statement_timeout = ${LOCK_TIMEOUT_MS}`);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
  } catch (err) {
    throw new MigrationError(`timed out after ${LOCK_TIMEOUT_MS / 1000}s waiting for the migration lock: ${(err as Error).message}`);
  } finally {
    await client.query('RESET statement_timeout');
  }
}

function refuseFailed(rows: MigrationRow[]): void {
  const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
  if (failed) {
    throw new MigrationError(
      `migration ${failed.migration_name} failed earlier and blocks further migrations; ` +
        `its error is in _prisma_migrations.logs. Fix the database, then mark it rolled back ` +
        `(prisma migrate resolve --rolled-back ${failed.migration_name}) or set its rolled_back_at`,
    );
  }
}

function failureLog(name: string, err: unknown): string {
  const e = err as { code?: string; message?: string };
  return `Migration name: ${name}\n\nDatabase error code: ${e.code ?? 'unknown'}\n\nDatabase error:\n${e.message ?? String(err)}\n`;
}

async function apply(client: pg.Client, migration: LocalMigration): Promise<void> {
  const id = randomUUID();
  await client.query(
    'INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name) VALUES ($1, $2, now(), $3)',
    [id, migration.checksum, migration.name],
  );
  try {
    // No parameters: the simple-query protocol runs the whole file (several statements, $$ bodies) at once.
    await client.query(migration.sql);
  } catch (err) {
    await client.query('UPDATE _prisma_migrations SET logs = $2 WHERE id = $1', [id, failureLog(migration.name, err)]);
    throw new MigrationError(`migration ${migration.name} failed: ${(err as Error).message}`);
  }
  await client.query('UPDATE _prisma_migrations SET applied_steps_count = applied_steps_count + 1 WHERE id = $1', [id]);
  await client.query('UPDATE _prisma_migrations SET finished_at = now() WHERE id = $1', [id]);
}

/** Applies every unapplied migration in name order under Prisma's advisory lock. */
export async function migrate(url: string, options: { dir?: string; log?: Logger } = {}): Promise<MigrationReport> {
  const local = await readMigrations(options.dir);
  return withClient(url, async (client) => {
    await lock(client);
    try {
      await client.query(CREATE_TABLE);
      const rows = await appliedRows(client);
      refuseFailed(rows);
      const live = rows.filter((r) => r.rolled_back_at === null);
      const edited = local
        .filter((m) => live.some((r) => r.migration_name === m.name && !sameChecksum(r.checksum, m.sql)))
        .map((m) => m.name);
      for (const name of edited) {
        options.log?.warn({ migration: name }, 'migration was edited after it was applied (checksum differs)');
      }
      const pending = local.filter((m) => !live.some((r) => r.migration_name === m.name));
      for (const migration of pending) {
        await apply(client, migration);
        options.log?.info({ migration: migration.name }, 'migration applied');
      }
      return { applied: pending.map((m) => m.name), edited };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
    }
  });
}
