import { setup, writeTokenFile } from '../auth/setup.js';
import type { Config } from '../config/config.js';
import { openDatabase, type Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { schedulingSettings } from '../scheduler/index.js';
import { formatId } from '../store/id.js';
import { buildApp, type App } from './app.js';
import type { Logger } from './logger.js';

/** The embedded default creates an org, user and all-access token on first start, so a newcomer can log in. */
async function firstStartSetup(app: App, db: Database, config: Config, log: Logger): Promise<void> {
  if (!db.embedded || (await db.prisma.org.count()) > 0) return;
  const { token, authorization } = await setup(app.services.accounts, { org: 'default', user: 'admin' });
  await writeTokenFile(config.tokenFile, token);
  log.info(
    { orgId: formatId(authorization.orgId), tokenFile: config.tokenFile, token },
    `First start: created org "default", user "admin" and an all-access token (shown once; also saved to ${config.tokenFile})`,
  );
}

/** Runs the server until SIGINT/SIGTERM, then shuts down in order within `config.shutdownTimeout`. */
export async function serve(config: Config, log: Logger): Promise<void> {
  const db = await openDatabase(config);
  await migrate(db.url, { log });
  const scheduling = schedulingSettings(config);
  const app = await buildApp({ db, log, redisUrl: config.redisUrl, scheduling, scheduler: config.scheduler });
  await firstStartSetup(app, db, config, log);
  const port = await app.start(config.port, config.host);
  log.info(
    { url: `http://${config.host}:${port}/graphql`, database: db.embedded ? config.dataDir : 'DATABASE_URL' },
    `Tickwork is ready at http://${config.host}:${port}/graphql`,
  );
  log.info(
    { scheduler: config.scheduler, executors: config.executors, defaultExecutor: config.defaultExecutor },
    config.scheduler ? `Scheduler on; runs here: ${config.executors.join(', ') || 'none (workers run them)'}` : 'Scheduler off',
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error('shutdown timed out; exiting anyway');
      process.exit(1);
    }, config.shutdownTimeout * 1000);
    timer.unref();
    await app.stop();
    await db.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
