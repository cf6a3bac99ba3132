import { Prisma } from '../../generated/prisma/client.js';
import type { ID } from '../id.js';
import type { RunEvent, RunStatus } from '../types.js';
import { toEvent } from './mapping.js';
import type { Tx } from './transaction.js';
import { listLimit } from './validation.js';

/**
 * Taken right before an event row is inserted and held until commit: seq values are then handed out in
 * commit order, so a reader that has seen seq N never later finds a smaller seq committed behind it.
 */
const EVENT_ORDER_LOCK = 0x7469636b776f726bn; // "tickwork"

export type EventData =
  | { kind: 'state'; orgId: ID; taskId: ID; runId: ID; status: RunStatus; when: Date }
  | { kind: 'log'; orgId: ID; taskId: ID; runId: ID; logSeq: number; message: string; when: Date };

/** Every column of either kind; those of the other kind are absent. */
type EventColumns = Pick<EventData, 'kind' | 'orgId' | 'taskId' | 'runId' | 'when'> & { status?: RunStatus; logSeq?: number; message?: string };

/** What each open transaction will insert; the events handed out get their seq when it is inserted. */
const pending = new WeakMap<Tx, { data: EventData; event: RunEvent }[]>();

/**
 * The event as it will be stored. The row goes in at the end of the transaction (flushEvents), so the
 * order lock, which serialises every writer, is held for the inserts and the commit only: taken at the
 * first event, it was held through the rest of each transaction, and that capped runs/s at any concurrency.
 */
export function insertEvent(tx: Tx, data: EventData): RunEvent {
  const event = { ...data, seq: 0n } as RunEvent;
  const events = pending.get(tx) ?? [];
  if (events.length === 0) pending.set(tx, events);
  events.push({ data, event });
  return event;
}

/** Inserts the transaction's events under EVENT_ORDER_LOCK (held until commit): call it last. */
export async function flushEvents(tx: Tx): Promise<void> {
  const events = pending.get(tx) ?? [];
  if (events.length === 0) return;
  const column = <T>(pick: (data: EventColumns) => T | undefined) => events.map((e) => pick(e.data) ?? null);
  // One statement (arrays, not a row of parameters per event), in the order they were handed out.
  const source = Prisma.sql`
    SELECT u.kind::"RunEventKind", u."orgId", u."taskId", u."runId", u.status::"RunStatus", u."logSeq", u.message, u."when", u.ord
    FROM unnest(${column((d) => d.kind)}::text[], ${column((d) => d.orgId)}::bigint[], ${column((d) => d.taskId)}::bigint[],
      ${column((d) => d.runId)}::bigint[], ${column((d) => d.status)}::text[], ${column((d) => d.logSeq)}::int[],
      ${column((d) => d.message)}::text[], ${column((d) => d.when)}::timestamptz[])
      WITH ORDINALITY AS u(kind, "orgId", "taskId", "runId", status, "logSeq", message, "when", ord)`;
  const rows = await tx.$queryRaw<{ seq: bigint }[]>`WITH ${insertEventsCte(source, Prisma.sql`e.ord`)} SELECT seq FROM events`;
  // Rows take their seq in input order: ascending seq is insertion order.
  rows.map((row) => row.seq).sort((a, b) => (a < b ? -1 : 1)).forEach((seq, i) => (events[i]!.event.seq = seq));
}

/**
 * A CTE named `events`: inserts the rows of `source` (kind, orgId, taskId, runId, status, logSeq, message,
 * when, ord) under EVENT_ORDER_LOCK, in `order` (by default each run's in turn), and returns each row's
 * seq, runId and kind. In a single statement the lock is held from there to its commit, microseconds.
 */
export function insertEventsCte(source: Prisma.Sql, order = Prisma.sql`e."runId", e.ord`): Prisma.Sql {
  return Prisma.sql`events AS (
    INSERT INTO "RunEvent" (kind, "orgId", "taskId", "runId", status, "logSeq", message, "when")
    SELECT e.kind, e."orgId", e."taskId", e."runId", e.status, e."logSeq", e.message, e."when"
    FROM (${source}) e CROSS JOIN (SELECT pg_advisory_xact_lock(${EVENT_ORDER_LOCK})) ordered
    ORDER BY ${order}
    RETURNING seq, "runId", kind)`;
}

export interface ListEventsRequest {
  orgId: ID;
  after: bigint;
  taskId?: ID;
  runId?: ID;
  limit?: number;
}

export async function listEvents(tx: Tx, req: ListEventsRequest): Promise<RunEvent[]> {
  const rows = await tx.runEvent.findMany({
    where: { orgId: req.orgId, taskId: req.taskId, runId: req.runId, seq: { gt: req.after } },
    orderBy: { seq: 'asc' },
    take: listLimit(req.limit, 1000, 10_000),
  });
  return rows.map(toEvent);
}
