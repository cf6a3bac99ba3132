import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { checksum, migrate, MigrationError, MIGRATIONS_DIR, readMigrations } from '../../src/db/migrate.js';
import { createEmptyDatabase } from '../helpers/database.js';

interface Row {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  logs: string | null;
  applied_steps_count: number;
  rolled_back_at: Date | null;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function emptyDatabase(): Promise<string> {
  const db = await createEmptyDatabase();
  cleanups.push(db.drop);
  return db.url;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const rows = (url: string) => query<Row>(url, 'SELECT * FROM _prisma_migrations ORDER BY migration_name');

async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tickwork-migrations-'));
  for (const [name, sql] of Object.entries(files)) {
    await mkdir(path.join(dir, name));
    await writeFile(path.join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

describe('migrator', () => {
  it('applies the project migrations with the rows Prisma writes, and is idempotent', async () => {
    const url = await emptyDatabase();
    const local = await readMigrations();
    const first = await migrate(url);
    expect(first.applied).toEqual(local.map((m) => m.name));

    const applied = await rows(url);
    expect(applied).toHaveLength(local.length);
    for (const [i, row] of applied.entries()) {
      const file = await readFile(path.join(MIGRATIONS_DIR, row.migration_name, 'migration.sql'), 'utf8');
      expect(row.migration_name).toBe(local[i]!.name);
      expect(row.checksum).toBe(checksum(file));
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
      expect(row.logs).toBeNull();
    }

    const second = await migrate(url);
    expect(second).toEqual({ applied: [], edited: [] });
    expect(await rows(url)).toEqual(applied);
  });

  it('applies multi-statement files with $$ bodies in name order', async () => {
    const url = await emptyDatabase();
    const dir = await migrationsDir({
      '20260101000000_b_second': 'ALTER TABLE t ADD COLUMN b INT;',
      '20250101000000_a_first': `CREATE TABLE t (a INT);
CREATE FUNCTION twice(x INT) RETURNS INT AS $$ BEGIN RETURN x * 2; END; $$ LANGUAGE plpgsql;`,
    });
    const report = await migrate(url, { dir });
    expect(report.applied).toEqual(['20250101000000_a_first', '20260101000000_b_second']);
    expect(await query(url, 'SELECT twice(21) AS v')).toEqual([{ v: 42 }]);
  });

  it('records a failing migration, leaves finished_at null and blocks the next run', async () => {
    const url = await emptyDatabase();
    const dir = await migrationsDir({
      '20250101000000_ok': 'CREATE TABLE good (id INT);',
      '20250102000000_broken': 'CREATE TABLE half (id INT);\nSELECT * FROM no_such_table;',
      '20250103000000_later': 'CREATE TABLE later (id INT);',
    });
    await expect(migrate(url, { dir })).rejects.toThrow(/migration 20250102000000_broken failed: .*no_such_table/);

    const [ok, broken, ...rest] = await rows(url);
    expect(rest).toEqual([]);
    expect(ok!.finished_at).toBeInstanceOf(Date);
    expect(broken!.finished_at).toBeNull();
    expect(broken!.applied_steps_count).toBe(0);
    expect(broken!.logs).toContain('no_such_table');
    // The file ran as one implicit transaction: its first statement was rolled back too.
    expect(await query(url, "SELECT to_regclass('half') AS t")).toEqual([{ t: null }]);

    const again = migrate(url, { dir });
    await expect(again).rejects.toBeInstanceOf(MigrationError);
    await expect(migrate(url, { dir })).rejects.toThrow(
      /migration 20250102000000_broken failed earlier and blocks further migrations/,
    );
    expect(await query(url, "SELECT to_regclass('later') AS t")).toEqual([{ t: null }]);
  });

  it('reports an applied migration whose file was edited, and applies nothing again', async () => {
    const url = await emptyDatabase();
    const dir = await migrationsDir({ '20250101000000_init': 'CREATE TABLE t (id INT);' });
    await migrate(url, { dir });
    await writeFile(path.join(dir, '20250101000000_init', 'migration.sql'), 'CREATE TABLE t (id BIGINT);');
    const warnings: string[] = [];
    const log = { info() {}, warn: (obj: object, msg: string) => warnings.push(`${JSON.stringify(obj)} ${msg}`) };
    const report = await migrate(url, { dir, log });
    expect(report).toEqual({ applied: [], edited: ['20250101000000_init'] });
    expect(warnings).toEqual(['{"migration":"20250101000000_init"} migration was edited after it was applied (checksum differs)']);
  });

  it('accepts a file whose line endings changed since it was applied', async () => {
    const url = await emptyDatabase();
    const dir = await migrationsDir({ '20250101000000_init': 'CREATE TABLE t (id INT);\nCREATE TABLE u (id INT);\n' });
    await migrate(url, { dir });
    await writeFile(path.join(dir, '20250101000000_init', 'migration.sql'), 'CREATE TABLE t (id INT);\r\nCREATE TABLE u (id INT);\r\n');
    expect(await migrate(url, { dir })).toEqual({ applied: [], edited: [] });
  });
});
