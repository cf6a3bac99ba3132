import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { migrate } from '../../src/db/migrate.js';
import { withDatabaseName } from '../helpers/urls.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** PGlite mode: a dump of a migrated database that each test file loads. */
    pgliteTemplate: string;
    /** Postgres mode: a migrated database that each test file clones. */
    postgresTemplate: string;
  }
}

async function postgresTemplate(adminUrl: string): Promise<{ name: string; drop(): Promise<void> }> {
  const name = `tickwork_template_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await migrate(withDatabaseName(adminUrl, name));
  return {
    name,
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

async function pgliteTemplate(): Promise<{ file: string; drop(): Promise<void> }> {
  const embedded = await startEmbeddedPostgres({ maxConnections: 4 });
  await migrate(embedded.url);
  const dump = await embedded.db.dumpDataDir('none');
  await embedded.close();
  const file = path.join(os.tmpdir(), `tickwork-template-${process.pid}.tar`);
  await writeFile(file, Buffer.from(await dump.arrayBuffer()));
  return { file, drop: () => rm(file, { force: true }) };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const template = await postgresTemplate(url);
    project.provide('postgresTemplate', template.name);
    project.provide('pgliteTemplate', '');
    return template.drop;
  }
  const template = await pgliteTemplate();
  project.provide('pgliteTemplate', template.file);
  project.provide('postgresTemplate', '');
  return template.drop;
}
