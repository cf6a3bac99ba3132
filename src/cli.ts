import { Command } from 'commander';
import { ConfigError, loadConfig } from './config/config.js';
import { openDatabase, type Database } from './db/database.js';
import { migrate, MigrationError } from './db/migrate.js';
import { createLogger } from './server/logger.js';
import { serve } from './server/serve.js';
import { setup, writeTokenFile } from './auth/setup.js';
import { createToken, type TokenRequest } from './auth/tokens.js';
import { formatId } from './store/id.js';
import { PrismaAccountStore } from './store/prisma/accounts.js';
import { databaseIdGenerator } from './store/prisma/ids.js';
import { PERMISSIONS } from './store/types.js';
import { VERSION } from './version.js';
import { workerCommand } from './worker/command.js';

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

/** The configured database, migrated, with its AccountStore, for the duration of `work`. */
async function withAccounts(work: (accounts: PrismaAccountStore, prisma: Database['prisma']) => Promise<void>): Promise<void> {
  const db = await openDatabase(loadConfig());
  try {
    await migrate(db.url, { log: createLogger('warn') });
    await work(new PrismaAccountStore(db.prisma, await databaseIdGenerator(db.prisma)), db.prisma);
  } finally {
    await db.close();
  }
}

async function printToken(token: string, tokenFile: string | undefined): Promise<void> {
  if (tokenFile) await writeTokenFile(tokenFile, token);
  process.stdout.write(`token: ${token}\n`);
}

program
  .command('setup')
  .description('create an org, a user and an all-access token; prints the token once')
  .option('--org <name>', 'org name', 'default')
  .option('--user <name>', 'user name', 'admin')
  .option('--token-file <path>', 'also write the token to this file (mode 600)')
  .action((opts: { org: string; user: string; tokenFile?: string }) =>
    run(() =>
      withAccounts(async (accounts) => {
        const { token, authorization } = await setup(accounts, { org: opts.org, user: opts.user });
        process.stdout.write(`org ${formatId(authorization.orgId)} (${opts.org}), user ${formatId(authorization.userId)} (${opts.user})\n`);
        await printToken(token, opts.tokenFile);
      }),
    ),
  );

program
  .command('token')
  .description('API tokens')
  .command('create')
  .description('create a token with the given permissions (e.g. execute:runs for a worker); prints it once')
  .requiredOption('--permissions <list>', `comma-separated: ${PERMISSIONS.join(', ')}`, (list) => list.split(',').map((p) => p.trim()))
  .option('--org <id>', 'the org (default: the only org)')
  .option('--user <id>', 'the user the token acts as (default: the org\'s first user)')
  .option('--description <text>', 'what the token is for')
  .option('--token-file <path>', 'also write the token to this file (mode 600)')
  .action((opts: TokenRequest & { tokenFile?: string }) =>
    run(() =>
      withAccounts(async (accounts, prisma) => {
        const { token, authorization } = await createToken(prisma, accounts, opts);
        process.stdout.write(`token ${formatId(authorization.id)} for org ${formatId(authorization.orgId)}: ${authorization.permissions.join(', ')}\n`);
        await printToken(token, opts.tokenFile);
      }),
    ),
  );

program.addCommand(workerCommand(run));

await program.parseAsync();
