import { Command } from 'commander';
import { ConfigError, loadConfig } from './config/config.js';
import { openDatabase } from './db/database.js';
import { migrate, MigrationError } from './db/migrate.js';
import { createLogger } from './server/logger.js';
import { serve } from './server/serve.js';
import { setup, writeTokenFile } from './auth/setup.js';
import { formatId } from './store/id.js';
import { PrismaAccountStore } from './store/prisma/accounts.js';
import { databaseIdGenerator } from './store/prisma/ids.js';
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

program
  .command('setup')
  .description('create an org, a user and an all-access token; prints the token once')
  .option('--org <name>', 'org name', 'default')
  .option('--user <name>', 'user name', 'admin')
  .option('--token-file <path>', 'also write the token to this file (mode 600)')
  .action((opts: { org: string; user: string; tokenFile?: string }) =>
    run(async () => {
      const config = loadConfig();
      const db = await openDatabase(config);
      try {
        await migrate(db.url, { log: createLogger('warn') });
        const accounts = new PrismaAccountStore(db.prisma, await databaseIdGenerator(db.prisma));
        const { token, authorization } = await setup(accounts, { org: opts.org, user: opts.user });
        if (opts.tokenFile) await writeTokenFile(opts.tokenFile, token);
        process.stdout.write(`org ${formatId(authorization.orgId)} (${opts.org}), user ${formatId(authorization.userId)} (${opts.user})\n`);
        process.stdout.write(`token: ${token}\n`);
      } finally {
        await db.close();
      }
    }),
  );

await program.parseAsync();
