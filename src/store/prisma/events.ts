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

/** Transactions that hold EVENT_ORDER_LOCK already (it is held until commit). */
const holdingOrderLock = new WeakSet<Tx>();

export async function insertEvent(tx: Tx, data: EventData): Promise<RunEvent> {
  if (!holdingOrderLock.has(tx)) {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${EVENT_ORDER_LOCK})`;
    holdingOrderLock.add(tx);
  }
  return toEvent(await tx.runEvent.create({ data }));
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
