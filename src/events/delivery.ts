import type { Database } from '../db/database.js';
import type { Logger } from '../server/logger.js';
import { PostgresTransport } from './postgres-transport.js';
import { RedisTransport, redisChannel } from './redis-transport.js';
import { EventRelay } from './relay.js';

/**
 * How run events reach the other processes on the same database: the embedded database has one
 * process, so none (in memory only); otherwise Redis when configured, else Postgres LISTEN/NOTIFY.
 */
export async function openRelay(db: Database, redisUrl: string | null, log: Logger): Promise<EventRelay | null> {
  if (db.embedded) {
    if (redisUrl) log.info('REDIS_URL is not used with the embedded database: it serves one process, run events stay in memory');
    return null;
  }
  const transport = redisUrl
    ? new RedisTransport(redisUrl, await redisChannel(db.prisma), log)
    : new PostgresTransport(db.url, db.prisma, log);
  log.info({ relay: redisUrl ? 'redis' : 'postgres' }, 'run events relayed between processes');
  return new EventRelay(transport, log);
}
