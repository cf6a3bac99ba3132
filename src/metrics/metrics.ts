import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PrismaClient } from '../db/prisma.js';
import type { Logger } from '../server/logger.js';
import { LEASE_EXPIRED } from '../store/prisma/attempts.js';
import { TERMINAL_STATES, type RunTransition, type SchedulerHooks } from '../store/types.js';

// Counters and histograms count the transitions this process commits (SchedulerHooks.onTransition), so
// summing over processes gives the totals. Gauges read the database at scrape time: every process
// reports the same database-wide value.

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export class Metrics {
  readonly registry = new Registry();
  private readonly scheduleDelay = this.histogram('tickwork_schedule_delay_seconds', 'From when a run was due (runAt) to the start of its first attempt.');
  private readonly runDuration = this.histogram('tickwork_run_duration_seconds', 'From the start of a run\'s last attempt to its end.');
  private readonly finished = new Counter({
    name: 'tickwork_runs_finished_total',
    help: 'Runs that reached a terminal state, by that state.',
    labelNames: ['status'],
    registers: [this.registry],
  });
  private readonly retries = this.counter('tickwork_run_retries_total', 'Failed attempts scheduled again per the task\'s retry option.');
  private readonly reaped = this.counter('tickwork_leases_reaped_total', 'Attempts failed because their lease expired (worker lost).');

  private readonly inProgress = this.gauge('tickwork_runs_in_progress', 'Runs in state started (an attempt is executing), database-wide.');
  private readonly skipped = this.gauge('tickwork_skipped_occurrences_total', 'Schedule ticks that catch-up skipped and recorded, database-wide.');

  /** To pass to SchedulerStore.observe. */
  readonly hooks: SchedulerHooks = { onTransition: (transition) => this.observe(transition) };

  constructor(
    private readonly prisma: PrismaClient,
    private readonly log: Logger,
  ) {
    collectDefaultMetrics({ register: this.registry });
    for (const status of TERMINAL_STATES) this.finished.labels(status).inc(0);
  }

  /** The exposition text, with the database gauges read now. */
  async text(): Promise<string> {
    await this.readDatabase();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private observe({ run, from, when }: RunTransition): void {
    if (run.status === 'started') {
      // A retry was due when its backoff ended, which the run does not carry: only first attempts count.
      if (run.try === 1) this.scheduleDelay.observe(seconds(run.runAt * 1000, when));
      return;
    }
    if (TERMINAL_STATES.includes(run.status)) this.finished.labels(run.status).inc();
    if (from !== 'started') return; // a scheduled run canceled: no attempt ended
    if (run.status === 'scheduled') this.retries.inc();
    else if (run.startedAt) this.runDuration.observe(seconds(run.startedAt.getTime(), when));
    if ((run.status === 'failed' || run.status === 'scheduled') && run.error === LEASE_EXPIRED) this.reaped.inc();
  }

  private histogram(name: string, help: string): Histogram {
    return new Histogram({ name, help, buckets: SECONDS_BUCKETS, registers: [this.registry] });
  }

  private counter(name: string, help: string): Counter {
    return new Counter({ name, help, registers: [this.registry] });
  }

  private gauge(name: string, help: string): Gauge {
    return new Gauge({ name, help, registers: [this.registry] });
  }

  /** One statement for both gauges; on failure they keep their last values. */
  private async readDatabase(): Promise<void> {
    try {
      const [row] = await this.prisma.$queryRaw<{ started: bigint; skipped: bigint }[]>`
        SELECT (SELECT count(*) FROM "Run" WHERE status = 'started') AS started, (SELECT count(*) FROM "SkippedOccurrence") AS skipped`;
      this.inProgress.set(Number(row!.started));
      this.skipped.set(Number(row!.skipped));
    } catch (err) {
      this.log.warn({ err }, 'metrics: could not read the database');
    }
  }
}

function seconds(fromMs: number, to: Date): number {
  return Math.max(0, to.getTime() - fromMs) / 1000;
}
