import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.js';
import { PostgresTransport } from '../events/postgres-transport.js';
import type { RelayTransport } from '../events/relay.js';
import type { Logger } from '../server/logger.js';
import { formatId, parseId, type ID } from '../store/id.js';
import type { SchedulerHooks } from '../store/types.js';

/** `wake`: something may be due sooner. `due`: something is due in `inMs`. `cancel`: whoever runs this run should stop it. */
export type ScheduleSignal = { kind: 'wake' } | { kind: 'due'; inMs: number } | { kind: 'cancel'; runId: ID };
export type ScheduleListener = (signal: ScheduleSignal) => void;

const CHANNEL = { name: 'tickwork_schedule', applicationName: 'tickwork-listen-schedule' };
/**
 * Wakes relayed to other processes: at most one per this many ms (the first at once, the last not lost).
 * Under load every run end is a wake; each relayed one costs every other scheduler a pass.
 */
const RELAY_WAKE_MS = 50;

interface WireSignal {
  origin: string;
  kind: ScheduleSignal['kind'];
  runId?: string;
}

/**
 * Tells the schedulers of this process at once, and those of the other processes on the same Postgres
 * through NOTIFY (a channel of its own, also when run events go through Redis). The embedded database
 * serves one process: signals stay in memory.
 */
export class ScheduleSignals implements SchedulerHooks {
  private readonly listeners = new Set<ScheduleListener>();
  private readonly origin = randomUUID();
  private throttle: NodeJS.Timeout | null = null;
  private wakePending = false;

  private constructor(
    private readonly transport: RelayTransport | null,
    private readonly log: Logger,
  ) {}

  static async open(db: Database, log: Logger): Promise<ScheduleSignals> {
    const transport = db.embedded ? null : new PostgresTransport(db.url, db.prisma, log, undefined, CHANNEL);
    const signals = new ScheduleSignals(transport, log);
    await transport?.listen((payload) => signals.receive(payload));
    return signals;
  }

  subscribe(listener: ScheduleListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onScheduleChange(): void {
    this.deliver({ kind: 'wake' });
    this.relayWake();
  }

  /** Other processes get a (throttled) wake: their next pass counts the task again, and sleeps until it is due. */
  onSlotFreed(inMs: number): void {
    this.deliver({ kind: 'due', inMs });
    this.relayWake();
  }

  onCancelRequested(runId: ID): void {
    this.deliver({ kind: 'cancel', runId });
    this.send({ origin: this.origin, kind: 'cancel', runId: formatId(runId) });
  }

  private deliver(signal: ScheduleSignal): void {
    for (const listener of [...this.listeners]) listener(signal);
  }

  private relayWake(): void {
    if (this.throttle) {
      this.wakePending = true;
      return;
    }
    this.send({ origin: this.origin, kind: 'wake' });
    this.throttle = setTimeout(() => {
      this.throttle = null;
      if (this.wakePending) {
        this.wakePending = false;
        this.relayWake();
      }
    }, RELAY_WAKE_MS);
  }

  private send(message: WireSignal): void {
    this.transport?.send([JSON.stringify(message)]).catch((err) => this.log.warn({ err }, 'could not relay a schedule signal'));
  }

  private receive(payload: string): void {
    try {
      const message = JSON.parse(payload) as WireSignal;
      if (message.origin === this.origin) return;
      this.deliver(message.kind === 'cancel' ? { kind: 'cancel', runId: parseId(message.runId!) } : { kind: 'wake' });
    } catch (err) {
      this.log.warn({ err }, 'dropped a schedule signal');
    }
  }

  async close(): Promise<void> {
    if (this.throttle) clearTimeout(this.throttle);
    await this.transport?.close();
  }
}
