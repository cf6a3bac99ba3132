import type { Prisma, Run as RunRow } from '../../generated/prisma/client.js';
import { RunNotFoundError, ValidationError } from '../errors.js';
import { formatId, type ID } from '../id.js';
import { TERMINAL_STATES, type ListLogsRequest, type ListRunsRequest, type Log, type Run, type RunBase, type RunEvent, type RunStatus, type RunTransition, type RunWithLog } from '../types.js';
import { insertEvent } from './events.js';
import { toLog, toRun } from './mapping.js';
import { lockTask } from './tasks.js';
import type { Tx } from './transaction.js';
import { listLimit, unixSeconds } from './validation.js';

export interface Recorded<T> {
  value: T;
  /** To publish once the transaction has committed. */
  events: RunEvent[];
  /** State changes, for the store's hooks once the transaction has committed. */
  transitions?: RunTransition[];
}

const LEGAL_MOVES: Partial<Record<RunStatus, readonly RunStatus[]>> = {
  scheduled: ['started', 'canceled'],
  started: ['success', 'failed', 'canceled'],
};
/** An attempt that failed but will be retried goes back to scheduled: only attempts do that, never LogWriter. */
export const ATTEMPT_MOVES: typeof LEGAL_MOVES = { ...LEGAL_MOVES, started: [...LEGAL_MOVES.started!, 'scheduled'] };

/** The run, locked for change (its task first, see lockTask). */
async function lockRun(tx: Tx, base: RunBase): Promise<RunRow> {
  if (!(await lockTask(tx, base.taskId, 'KEY SHARE'))) throw new RunNotFoundError();
  const locked = await tx.$queryRaw<unknown[]>`SELECT id FROM "Run" WHERE id = ${base.runId} AND "taskId" = ${base.taskId} FOR UPDATE`;
  if (locked.length === 0) throw new RunNotFoundError();
  return tx.run.findUniqueOrThrow({ where: { id: base.runId } });
}

/** LogWriter.updateRunState: legal moves only; from a terminal state every move is a no-op ("terminal wins"). */
export async function updateRunState(tx: Tx, base: RunBase, when: Date, status: RunStatus): Promise<Recorded<Run>> {
  return changeState(tx, await lockRun(tx, base), when, status);
}

/**
 * Moves a run its caller has locked (task first) to `status`, with `columns` written alongside, and
 * records the event. `startedAt` is set on start, `finishedAt` on a terminal state.
 */
export async function changeState(
  tx: Tx,
  run: RunRow,
  when: Date,
  status: RunStatus,
  columns: Prisma.RunUpdateInput = {},
  moves = LEGAL_MOVES,
): Promise<Recorded<Run>> {
  if (TERMINAL_STATES.includes(run.status)) return { value: toRun(run), events: [] };
  if (!moves[run.status]?.includes(status)) {
    throw new ValidationError(`invalid run state transition: ${run.status} -> ${status}`);
  }
  const times = status === 'started' ? { startedAt: when } : TERMINAL_STATES.includes(status) ? { finishedAt: when } : {};
  const updated = toRun(await tx.run.update({ where: { id: run.id }, data: { status, ...times, ...columns } }));
  const event = insertEvent(tx, { kind: 'state', orgId: run.orgId, taskId: run.taskId, runId: run.id, status, when });
  return { value: updated, events: [event], transitions: [{ run: updated, from: run.status, when }] };
}

/** The lines an attempt's steps write. */
export const ATTEMPT_LINES = { started: 'Started', success: 'Completed successfully', canceled: 'Canceled' } as const;

export const MAX_LINE_BYTES = 65_536;
export const TRUNCATED_MARK = ' [truncated]';

/** At most MAX_LINE_BYTES of UTF-8, cut at a character boundary and marked; NUL (which Postgres text refuses) replaced. */
export function logLine(message: string): string {
  const bytes = Buffer.from(message.replaceAll('\0', '\uFFFD'), 'utf8');
  if (bytes.length <= MAX_LINE_BYTES) return bytes.toString('utf8');
  let end = MAX_LINE_BYTES - Buffer.byteLength(TRUNCATED_MARK);
  while ((bytes[end]! & 0xc0) === 0x80) end--; // a continuation byte: the character started before the cut
  return bytes.subarray(0, end).toString('utf8') + TRUNCATED_MARK;
}

/** LogWriter.addRunLog: the next line of the run, numbered under the run's row lock. */
export async function addRunLog(tx: Tx, base: RunBase, when: Date, message: string): Promise<Recorded<Log>> {
  return appendLog(tx, await lockRun(tx, base), when, message);
}

/** The next line of a run its caller has locked (task first). */
export async function appendLog(tx: Tx, run: RunRow, when: Date, message: string): Promise<Recorded<Log>> {
  const last = await tx.runLog.findFirst({ where: { runId: run.id }, orderBy: { seq: 'desc' }, select: { seq: true } });
  const line = { runId: run.id, taskId: run.taskId, orgId: run.orgId, seq: (last?.seq ?? 0) + 1, time: when, message: logLine(message) };
  const row = await tx.runLog.create({ data: line });
  const event = insertEvent(tx, { kind: 'log', orgId: run.orgId, taskId: run.taskId, runId: run.id, logSeq: line.seq, message: line.message, when });
  return { value: toLog(row), events: [event] };
}

function optionalSeconds(name: string, value: number | undefined): bigint | undefined {
  return value === undefined ? undefined : BigInt(unixSeconds(name, value));
}

/** LogReader.listRuns: newest first (scheduledFor, then ID, descending), keyset-paged by run ID. */
export async function listRuns(tx: Tx, req: ListRunsRequest): Promise<Run[]> {
  if (!req.taskId) throw new ValidationError('task required');
  const take = listLimit(req.limit, 100, 500);
  const range = { gt: optionalSeconds('afterTime', req.afterTime), lt: optionalSeconds('beforeTime', req.beforeTime) };
  const cursor = req.after === undefined ? null : await tx.run.findFirst({ where: { id: req.after, orgId: req.orgId }, select: { id: true, scheduledFor: true } });
  if (req.after !== undefined && cursor === null) throw new ValidationError(`invalid cursor: no run ${formatId(req.after)}`);
  const rows = await tx.run.findMany({
    where: {
      orgId: req.orgId,
      taskId: req.taskId,
      status: req.status,
      scheduledFor: range,
      ...(cursor && { OR: [{ scheduledFor: { lt: cursor.scheduledFor } }, { scheduledFor: cursor.scheduledFor, id: { lt: cursor.id } }] }),
    },
    orderBy: [{ scheduledFor: 'desc' }, { id: 'desc' }],
    take,
  });
  return rows.map(toRun);
}

export async function findRunById(tx: Tx, orgId: ID, runId: ID): Promise<RunWithLog> {
  const row = await tx.run.findFirst({ where: { id: runId, orgId }, include: { logs: { orderBy: { seq: 'asc' } } } });
  if (row === null) throw new RunNotFoundError();
  return { ...toRun(row), log: row.logs.map(toLog) };
}

/** LogReader.listLogs: lines in time order (then insertion order), keyset-paged by log ID. */
export async function listLogs(tx: Tx, req: ListLogsRequest): Promise<Log[]> {
  if (!req.taskId && !req.runId) throw new ValidationError('task or run is required');
  const take = listLimit(req.limit, 100, 1000);
  const cursor = req.after === undefined ? null : await tx.runLog.findFirst({ where: { id: req.after, orgId: req.orgId }, select: { id: true, time: true } });
  if (req.after !== undefined && cursor === null) throw new ValidationError(`invalid cursor: no log line ${req.after}`);
  const rows = await tx.runLog.findMany({
    where: {
      orgId: req.orgId,
      taskId: req.taskId ?? undefined,
      runId: req.runId ?? undefined,
      ...(cursor && { OR: [{ time: { gt: cursor.time } }, { time: cursor.time, id: { gt: cursor.id } }] }),
    },
    orderBy: [{ time: 'asc' }, { id: 'asc' }],
    take,
  });
  return rows.map(toLog);
}
