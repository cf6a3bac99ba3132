import { Command } from 'commander';
import { ConfigError, loadConfig } from './config/config.js';
import { openDatabase } from './db/database.js';
import { migrate, MigrationError } from './db/migrate.js';
import { createLogger } from './server/logger.js';
import { serve } from './server/serve.js';
import { VERSION } from './version.js';

/** Errors the user can fix get one line and exit 1; anything else is a bug and keeps its stack. */
async function run(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof MigrationError) {
      process.stderr.write(`tickwork: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

const program = new Command('tickwork').version(VERSION).description('Scheduled tasks with a live GraphQL API');

program
  .command('serve')
  .description('run the server (embedded database unless DATABASE_URL is set)')
  .action(() =>
    run(async () => {
      const config = loadConfig();
      await serve(config, createLogger(config.logLevel));
    }),
  );

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(() =>
    run(async () => {
      const config = loadConfig();
      const log = createLogger(config.logLevel);
      const db = await openDatabase(config);
      try {
        const report = await migrate(db.url, { log });
        log.info({ applied: report.applied.length, edited: report.edited }, 'database is up to date');
      } finally {
        await db.close();
      }
    }),
  );

await program.parseAsync();
