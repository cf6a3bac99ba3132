import { Prisma, type Run as RunRow } from '../../generated/prisma/client.js';
import { formatDuration } from '../../options/index.js';
import { RunNotFoundError } from '../errors.js';
import type { ID } from '../id.js';
import { TERMINAL_STATES, type AttemptOutcome, type Run, type RunEvent, type RunTransition } from '../types.js';
import { toRun } from './mapping.js';
import { appendLog, ATTEMPT_LINES, ATTEMPT_MOVES, changeState, type Recorded } from './run-log.js';
import { finishRun } from './runs.js';
import type { Tx } from './transaction.js';

// Attempts (scheduler.md §2–4): heartbeat, end (with retries), reap, cancel; claim and the common ends
// are single statements in attempt-statements.ts. Each transition writes its log line,
// then the state, in one transaction. Locks are taken task first, then run, before any event is
// inserted (events serialise on an advisory lock held until commit), so these never deadlock each other.

export const LEASE_EXPIRED = 'lease expired (worker lost)';
const MAX_BACKOFF_MS = 5 * 60_000;
const JITTER = 0.2;

/** Collects what the writes of one transaction publish after commit. */
class Outbox {
  readonly events: RunEvent[] = [];
  readonly transitions: RunTransition[] = [];

  add<T>(recorded: Recorded<T>): T {
    this.events.push(...recorded.events);
    this.transitions.push(...(recorded.transitions ?? []));
    return recorded.value;
  }

  recorded<T>(value: T): Recorded<T> {
    return { value, events: this.events, transitions: this.transitions };
  }
}

type LockedRun = RunRow & { retry: number; now: Date };

const later = (when: Date, ms: number) => new Date(when.getTime() + ms);

/** min(2^(try-1) s, 5 min), ±20%. */
export function retryBackoffMs(attempt: number, random = Math.random): number {
  const base = Math.min(1000 * 2 ** (attempt - 1), MAX_BACKOFF_MS);
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}

/** SchedulerStore.heartbeat: one statement, so it takes no lock but the run's. */
export async function heartbeat(tx: Tx, runId: ID, holder: string, leaseMs: number): Promise<{ leaseExpiresAt: Date; cancelRequested: boolean }> {
  const [row] = await tx.$queryRaw<{ leaseExpiresAt: Date; cancelRequested: boolean }[]>`
    UPDATE "Run" SET "leaseExpiresAt" = now() + ${leaseMs} * interval '1 millisecond'
    WHERE id = ${runId} AND status = 'started' AND "leaseHolder" = ${holder}
    RETURNING "leaseExpiresAt", "cancelRequestedAt" IS NOT NULL AS "cancelRequested"`;
  if (row === undefined) throw new RunNotFoundError();
  return row;
}

/** The run, its task's `retry` and the database clock; run and task locked for change (task first). Null when gone. */
async function lockLockedRun(tx: Tx, runId: ID, orgId?: ID): Promise<LockedRun | null> {
  const org = orgId === undefined ? Prisma.empty : Prisma.sql`AND "orgId" = ${orgId}`;
  const tasks = await tx.$queryRaw<unknown[]>`
    SELECT id FROM "Task" WHERE id = (SELECT "taskId" FROM "Run" WHERE id = ${runId} ${org}) FOR UPDATE`;
  if (tasks.length === 0) return null;
  const [run] = await tx.$queryRaw<LockedRun[]>`
    SELECT r.*, t.retry, now() AS now FROM "Run" r JOIN "Task" t ON t.id = r."taskId" WHERE r.id = ${runId} FOR UPDATE OF r`;
  return run ?? null;
}

/**
 * The end of a started attempt: log line, then state; a failure with tries left goes back to
 * scheduled after a backoff; a terminal state finishes the run (FinishRun) in the same transaction.
 * Once a cancel was requested, a failure is a cancel: the user asked for it to stop, not to run again.
 */
async function endAttempt(tx: Tx, run: LockedRun, now: Date, outcome: AttemptOutcome, out: Outbox): Promise<Run> {
  const ended = { leaseHolder: null, leaseExpiresAt: null };
  if (outcome.status === 'failed' && run.cancelRequestedAt === null) {
    out.add(await appendLog(tx, run, now, `Failed: ${outcome.reason}`));
    if (run.try < run.retry) return retryLater(tx, run, now, outcome.reason, out);
    out.add(await changeState(tx, run, now, 'failed', { ...ended, error: outcome.reason }));
  } else if (outcome.status === 'success') {
    out.add(await appendLog(tx, run, now, ATTEMPT_LINES.success));
    out.add(await changeState(tx, run, now, 'success', { ...ended, error: null }));
  } else {
    out.add(await appendLog(tx, run, now, ATTEMPT_LINES.canceled));
    out.add(await changeState(tx, run, now, 'canceled', ended));
  }
  return finishRun(tx, run.taskId, run.id);
}

async function retryLater(tx: Tx, run: LockedRun, now: Date, reason: string, out: Outbox): Promise<Run> {
  const delay = retryBackoffMs(run.try);
  out.add(await appendLog(tx, run, now, `retrying in ${formatDuration(BigInt(delay) * 1_000_000n)}`));
  const columns = { leaseHolder: null, leaseExpiresAt: null, error: reason, try: run.try + 1, availableAt: later(now, delay) };
  return out.add(await changeState(tx, run, now, 'scheduled', columns, ATTEMPT_MOVES));
}

/** SchedulerStore.completeAttempt. */
export async function completeAttempt(tx: Tx, runId: ID, holder: string | null, outcome: AttemptOutcome): Promise<Recorded<Run>> {
  const run = await lockLockedRun(tx, runId);
  if (run?.status !== 'started' || (holder !== null && run.leaseHolder !== holder)) throw new RunNotFoundError();
  const out = new Outbox();
  return out.recorded(await endAttempt(tx, run, run.now, outcome, out));
}

/** Started runs whose lease expired or whose cancel grace ran out (not locked: reapRun checks again). */
export async function reapable(tx: Tx, limit: number, cancelGraceMs: number): Promise<ID[]> {
  const rows = await tx.$queryRaw<{ id: ID }[]>`
    SELECT id FROM "Run"
    WHERE status = 'started'
      AND ("leaseExpiresAt" < now() OR "cancelRequestedAt" < now() - ${cancelGraceMs} * interval '1 millisecond')
    ORDER BY id LIMIT ${limit}`;
  return rows.map((r) => r.id);
}

/** Ends one reapable attempt; null when another process got there first (or the holder renewed in time). */
export async function reapRun(tx: Tx, runId: ID, cancelGraceMs: number): Promise<Recorded<Run | null>> {
  const out = new Outbox();
  const run = await lockLockedRun(tx, runId);
  if (run?.status !== 'started') return out.recorded(null);
  const { now } = run;
  if (run.cancelRequestedAt !== null && later(run.cancelRequestedAt, cancelGraceMs) < now) {
    return out.recorded(await endAttempt(tx, run, now, { status: 'canceled' }, out));
  }
  if (run.leaseExpiresAt === null || run.leaseExpiresAt >= now) return out.recorded(null);
  return out.recorded(await endAttempt(tx, run, now, { status: 'failed', reason: LEASE_EXPIRED }, out));
}

/**
 * SchedulerStore.cancelRun: a scheduled run ends at once (and frees its slot); a started one is flagged
 * (its executor sees it at once in this process, or on its next heartbeat) and logged once.
 */
export async function cancelRun(tx: Tx, orgId: ID, runId: ID): Promise<Recorded<Run>> {
  const run = await lockLockedRun(tx, runId, orgId);
  if (run === null || TERMINAL_STATES.includes(run.status)) throw new RunNotFoundError();
  const out = new Outbox();
  const { now } = run;
  if (run.status === 'scheduled') {
    out.add(await appendLog(tx, run, now, ATTEMPT_LINES.canceled));
    out.add(await changeState(tx, run, now, 'canceled'));
    return out.recorded(await finishRun(tx, run.taskId, run.id));
  }
  if (run.cancelRequestedAt !== null) return out.recorded(toRun(run));
  out.add(await appendLog(tx, run, now, 'Cancel requested'));
  return out.recorded(toRun(await tx.run.update({ where: { id: runId }, data: { cancelRequestedAt: now } })));
}
