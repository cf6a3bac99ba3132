import { Redis } from 'ioredis';
import { ConfigError } from '../config/config.js';
import type { PrismaClient } from '../db/prisma.js';
import type { Logger } from '../server/logger.js';
import type { RelayTransport } from './relay.js';

/**
 * The channel of one database: deployments (and test databases) sharing a Redis must not hear each
 * other's events. Postgres's system identifier plus the database name tell clusters and databases apart.
 */
export async function redisChannel(prisma: PrismaClient): Promise<string> {
  const [row] = await prisma.$queryRaw<{ key: string }[]>`
    SELECT system_identifier::text || '/' || current_database() AS key FROM pg_control_system()`;
  return `tickwork:run-events:${row!.key}`;
}

/** Redis pub/sub on two connections (a subscribed one cannot publish); ioredis reconnects and resubscribes. */
export class RedisTransport implements RelayTransport {
  readonly maxPayloadBytes = 512 * 1024 * 1024;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;

  constructor(
    url: string,
    private readonly channel: string,
    log: Logger,
  ) {
    const client = () =>
      new Redis(url, { lazyConnect: true, connectionName: 'tickwork' }).on('error', (err) =>
        log.warn({ err }, 'Redis connection error'),
      );
    this.publisher = client();
    this.subscriber = client();
  }

  async send(payloads: string[]): Promise<void> {
    const batch = this.publisher.pipeline();
    for (const payload of payloads) batch.publish(this.channel, payload);
    await batch.exec();
  }

  async listen(onPayload: (payload: string) => void): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => channel === this.channel && onPayload(message));
    try {
      await Promise.all([this.publisher.connect(), this.subscriber.connect()]);
      await this.subscriber.subscribe(this.channel);
    } catch (err) {
      // Otherwise ioredis keeps reconnecting in the background of a server that failed to start.
      this.publisher.disconnect();
      this.subscriber.disconnect();
      const { host, port } = this.publisher.options;
      throw new ConfigError(`REDIS_URL: cannot reach ${host}:${port}: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.publisher.quit(), this.subscriber.quit()]);
  }
}
