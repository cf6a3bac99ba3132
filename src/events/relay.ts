import { randomUUID } from 'node:crypto';
import type { Logger } from '../server/logger.js';
import type { LogReader, RunEvent, RunEventPublisher } from '../store/types.js';
import { decodeMessage, encodeMessage, type EventRef, type RelayMessage } from './wire.js';

/** One fixed channel between the processes that share a database (Postgres NOTIFY, Redis pub/sub). */
export interface RelayTransport {
  /** The largest payload the transport carries. */
  readonly maxPayloadBytes: number;
  /** In this order, in one round trip where the transport allows. */
  send(payloads: string[]): Promise<void>;
  /** Resolves once subscribed; keeps the subscription across reconnects. */
  listen(onPayload: (payload: string) => void): Promise<void>;
  close(): Promise<void>;
}

type EventSource = Pick<LogReader, 'listEvents'>;

async function load(ref: EventRef, reader: EventSource): Promise<RunEvent | undefined> {
  const [event] = await reader.listEvents({ orgId: ref.orgId, runId: ref.runId, after: ref.seq - 1n, limit: 1 });
  return event?.seq === ref.seq ? event : undefined;
}

/**
 * Carries committed run events to the other processes on the same database and hands theirs to the
 * local bus. Delivery is best effort: an event lost on the way (a relay reconnecting, say) is still
 * in the database, and a subscriber resuming with `after` gets it from there.
 */
export class EventRelay implements RunEventPublisher {
  /** Tells this process's own messages apart when they come back. */
  private readonly origin = randomUUID();
  private sending: Promise<void> = Promise.resolve();
  private receiving: Promise<void> = Promise.resolve();
  private readonly outbox: string[] = [];
  /** How encodeMessage starts this process's messages. */
  private readonly ownPrefix = `{"origin":${JSON.stringify(this.origin)},`;

  constructor(
    private readonly transport: RelayTransport,
    private readonly log: Logger,
  ) {}

  publish(events: RunEvent[]): void {
    const waiting = this.outbox.length > 0; // a send that will take them is already queued
    this.outbox.push(...events.map((event) => encodeMessage(this.origin, event, this.transport.maxPayloadBytes)));
    if (waiting) return;
    // One send after the other, so other processes see this process's events in commit order; what
    // commits while one is on its way goes in the next, together: under load, one round trip for many.
    this.sending = this.sending
      .then(() => this.transport.send(this.outbox.splice(0)))
      .catch((err) => this.log.warn({ err }, 'could not relay run events to other processes'));
  }

  /** Starts delivering other processes' events to `bus`; `reader` fetches those too big to relay. */
  start(bus: RunEventPublisher, reader: EventSource): Promise<void> {
    return this.transport.listen((payload) => {
      this.receiving = this.receiving
        .then(() => this.receive(payload, reader))
        .then((event) => event && bus.publish([event]))
        .catch((err) => this.log.warn({ err }, 'dropped a relayed run event'));
    });
  }

  private async receive(payload: string, reader: EventSource): Promise<RunEvent | undefined> {
    // This process's own events come back on the shared channel: tell them by their first bytes, unparsed.
    if (payload.startsWith(this.ownPrefix)) return undefined;
    const message: RelayMessage = decodeMessage(payload);
    return 'event' in message ? message.event : load(message.ref, reader);
  }

  async close(): Promise<void> {
    await this.sending;
    await this.transport.close();
  }
}

/** Publishes to each in turn (the local bus first, so this process's subscribers hear it soonest). */
export function fanOut(...publishers: RunEventPublisher[]): RunEventPublisher {
  return { publish: (events) => publishers.forEach((publisher) => publisher.publish(events)) };
}
