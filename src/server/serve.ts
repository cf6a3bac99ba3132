import type { Config } from '../config/config.js';
import { openDatabase } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { buildApp } from './app.js';
import type { Logger } from './logger.js';

/** Runs the server until SIGINT/SIGTERM, then shuts down in order within `config.shutdownTimeout`. */
export async function serve(config: Config, log: Logger): Promise<void> {
  const db = await openDatabase(config);
  await migrate(db.url, { log });
  const app = await buildApp({ db, log });
  const port = await app.start(config.port, config.host);
  log.info(
    { url: `http://${config.host}:${port}/graphql`, database: db.embedded ? config.dataDir : 'DATABASE_URL' },
    `Tickwork is ready at http://${config.host}:${port}/graphql`,
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
