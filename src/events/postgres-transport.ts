import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { PrismaClient } from '../db/prisma.js';
import type { Logger } from '../server/logger.js';
import type { RelayTransport } from './relay.js';

/** One fixed channel: NOTIFY channel names are identifiers, so what the event is about goes in the payload. */
export const PG_CHANNEL = 'tickwork_run_events';
export const LISTENER_APPLICATION_NAME = 'tickwork-listen';

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/** The channel a transport carries, and the application_name of its listening connection. */
export interface Channel {
  name: string;
  applicationName: string;
}

const RUN_EVENTS: Channel = { name: PG_CHANNEL, applicationName: LISTENER_APPLICATION_NAME };

/**
 * Postgres LISTEN/NOTIFY on a dedicated, non-pooled connection that reconnects with backoff and LISTENs
 * again. Notifications go out on it too (through the Prisma pool while it reconnects), after commit.
 */
export class PostgresTransport implements RelayTransport {
  /** Postgres refuses NOTIFY payloads of 8000 bytes or more. */
  readonly maxPayloadBytes = 7999;
  private client: pg.Client | null = null;
  private closed = false;
  private onPayload: (payload: string) => void = () => {};

  constructor(
    private readonly url: string,
    private readonly prisma: PrismaClient,
    private readonly log: Logger,
    private readonly backoff: Backoff = { initialMs: 100, maxMs: 5_000 },
    private readonly channel: Channel = RUN_EVENTS,
  ) {}

  /** Over the listening connection when it is up: no pool connection taken, no Prisma query built. */
  async send(payloads: string[]): Promise<void> {
    if (this.client) await this.client.query('SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload', [this.channel.name, payloads]);
    else await this.prisma.$executeRaw`SELECT pg_notify(${this.channel.name}, payload) FROM unnest(${payloads}::text[]) AS payload`;
  }

  async listen(onPayload: (payload: string) => void): Promise<void> {
    this.onPayload = onPayload;
    this.client = await this.connect();
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url, application_name: this.channel.applicationName, keepAlive: true });
    client.on('notification', (msg) => msg.channel === this.channel.name && msg.payload && this.onPayload(msg.payload));
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel.name}`);
      return client;
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
  }

  private lost(client: pg.Client, err?: Error): void {
    if (this.closed || this.client !== client) return;
    this.client = null;
    void client.end().catch(() => {});
    this.log.warn({ err }, 'LISTEN connection lost; reconnecting');
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      await sleep(Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** attempt), undefined, { ref: false });
      if (this.closed) return;
      try {
        const client = await this.connect();
        if (this.closed) return void (await client.end());
        this.client = client;
        this.log.info({ attempt }, 'LISTEN connection restored');
        return;
      } catch (err) {
        this.log.warn({ err, attempt }, 'LISTEN reconnect failed');
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    await client?.end();
  }
}
