import { ticksBetween } from '../../options/index.js';
import {
  ManualQueueFullError,
  MaxConcurrencyError,
  RequestStillQueuedError,
  rfc3339,
  RunNotFinishedError,
  RunNotFoundError,
  RunNotYetDueError,
  TaskInactiveError,
  TaskNotFoundError,
  ValidationError,
} from '../errors.js';
import type { ID, IdGenerator } from '../id.js';
import { MANUAL_QUEUE_CAPACITY, TERMINAL_STATES, type CreateNextRunResult, type ManualRequest, type Run, type RunEvent, type RunTrigger, type SkippedOccurrence } from '../types.js';
import { insertEvent } from './events.js';
import { toManualRequest, toRun, toSkipped, type TaskRecord } from './mapping.js';
import { nextDue, nextRequestedTick, planNatural, type SchedulingState, type Skip } from './scheduling.js';
import { lockTaskRecord, saveMeta, schedulingState } from './tasks.js';
import type { Tx } from './transaction.js';
import { listLimit } from './validation.js';

interface NewRun {
  id: ID;
  trigger: RunTrigger;
  scheduledFor: number;
  runAt: number;
  requestedAt: number | null;
}

/** Creates the run and its `scheduled` event, so subscribers see a run from the moment it exists. */
async function insertRun(tx: Tx, record: TaskRecord, run: NewRun): Promise<RunEvent> {
  await tx.run.create({
    data: {
      id: run.id,
      taskId: record.id,
      orgId: record.orgId,
      trigger: run.trigger,
      scheduledFor: BigInt(run.scheduledFor),
      runAt: BigInt(run.runAt),
      requestedAt: run.requestedAt === null ? null : BigInt(run.requestedAt),
      availableAt: new Date(run.runAt * 1000),
    },
  });
  return insertEvent(tx, { kind: 'state', orgId: record.orgId, taskId: record.id, runId: run.id, status: 'scheduled', when: new Date() });
}

async function recordSkips(tx: Tx, taskId: ID, skips: Skip[]): Promise<void> {
  if (skips.length === 0) return;
  const data = skips.map((skip) => ({ taskId, scheduledFor: BigInt(skip.scheduledFor), reason: skip.reason }));
  await tx.skippedOccurrence.createMany({ data, skipDuplicates: true });
}

/**
 * Store.createNextRun (§4.3, §4.4). A RunNotYetDueError is returned rather than thrown, because ticks
 * skipped by catch-up on the way must still be committed.
 */
/** A created run with the event to publish after commit. */
export type CreatedRun = CreateNextRunResult & { event: RunEvent };

export async function createNextRun(tx: Tx, ids: IdGenerator, taskId: ID, now: number): Promise<CreatedRun | RunNotYetDueError> {
  const record = await lockTaskRecord(tx, taskId);
  if (record.status !== 'active') throw new TaskInactiveError();
  if (record.runs.length >= record.meta!.maxConcurrency) throw new MaxConcurrencyError();

  const state = schedulingState(record);
  const plan = planNatural(state, now);
  if (plan !== null) {
    await recordSkips(tx, taskId, plan.skipped);
    state.latestCompleted = plan.latestCompleted;
  }
  const natural = plan?.run == null ? null : naturalRun(ids, state, plan.run);
  // Natural runs win over the queue.
  const queued = natural === null ? await takeFromQueue(tx, ids, record, now) : null;
  const created = natural ?? queued?.created ?? null;
  const event = created === null ? null : await insertRun(tx, record, created);
  if (plan !== null || created !== null) await saveMeta(tx, taskId, state);
  const due = nextDue(state)!;
  if (created === null || event === null) return new RunNotYetDueError(due);
  const hasQueue = queued?.hasQueue ?? record.manualRuns.length > 0;
  return {
    created: { taskId, runId: created.id, now: created.scheduledFor, requestedAt: created.requestedAt },
    nextDue: due,
    hasQueue,
    event,
  };
}

/** The natural run for `tick`, counted as in progress from now on. */
function naturalRun(ids: IdGenerator, state: SchedulingState, tick: number): NewRun {
  state.naturalRunning.push(tick);
  return { id: ids.next(), trigger: 'scheduled', scheduledFor: tick, runAt: tick + state.offset, requestedAt: null };
}

/**
 * The next run of the queue's head entry; the entry goes once its last run is created. Its cursor moves
 * when a run is created, not when it finishes, so one call never creates the same tick twice. The entry
 * says the trigger: `retry` for a queued retryRun, else `manual`.
 */
async function takeFromQueue(tx: Tx, ids: IdGenerator, record: TaskRecord, now: number): Promise<{ created: NewRun | null; hasQueue: boolean }> {
  const queue = [...record.manualRuns];
  for (let head = queue.shift(); head !== undefined; head = queue.shift()) {
    const cursor = { start: Number(head.start), end: Number(head.end), latestCompleted: Number(head.latestCompleted) };
    const next = nextRequestedTick(record, cursor);
    if (next === null || next.last) await tx.manualRequest.delete({ where: { id: head.id } });
    else await tx.manualRequest.update({ where: { id: head.id }, data: { latestCompleted: BigInt(next.tick) } });
    if (next === null) continue; // a range left without ticks (the schedule changed): nothing to run
    const created: NewRun = { id: head.runId ?? ids.next(), trigger: head.trigger, scheduledFor: next.tick, runAt: now, requestedAt: Number(head.requestedAt) };
    return { created, hasQueue: queue.length > 0 || !next.last };
  }
  return { created: null, hasQueue: false };
}

/** Store.finishRun (§4.5): the run leaves currentlyRunning; a natural run raises latestCompleted. */
export async function finishRun(tx: Tx, taskId: ID, runId: ID): Promise<Run> {
  const record = await lockTaskRecord(tx, taskId);
  const run = record.runs.find((r) => r.id === runId);
  if (run === undefined) throw new RunNotFoundError();
  const finished = await tx.run.update({ where: { id: runId }, data: { inProgress: false } });
  const state: SchedulingState = schedulingState({ ...record, runs: record.runs.filter((r) => r !== run) });
  if (run.trigger === 'scheduled') state.latestCompleted = Math.max(state.latestCompleted, Number(run.scheduledFor));
  await saveMeta(tx, taskId, state);
  return toRun(finished);
}

/** Store.manuallyRunTimeRange (§4.6); start <= end is checked before. */
export async function enqueueRange(
  tx: Tx,
  ids: IdGenerator,
  taskId: ID,
  start: number,
  end: number,
  requestedAt: number,
  trigger: 'manual' | 'retry' = 'manual',
): Promise<ManualRequest> {
  const record = await lockTaskRecord(tx, taskId);
  if (record.manualRuns.length >= MANUAL_QUEUE_CAPACITY) throw new ManualQueueFullError();
  if (record.manualRuns.some((r) => Number(r.start) === start && Number(r.end) === end)) throw new RequestStillQueuedError(start, end);
  if (start < end && ticksBetween(record, start, end, 1).length === 0) {
    throw new ValidationError(`no scheduled times between ${rfc3339(start)} and ${rfc3339(end)}`);
  }
  const row = await tx.manualRequest.create({
    data: {
      taskId,
      start: BigInt(start),
      end: BigInt(end),
      requestedAt: BigInt(requestedAt),
      latestCompleted: BigInt(start - 1),
      runId: start === end ? ids.next() : null,
      trigger,
    },
  });
  await tx.taskMeta.update({ where: { taskId }, data: { updatedAt: new Date() } });
  return toManualRequest(row);
}

/** Store.retryRun: queues (scheduledFor, scheduledFor) for a run that has finished. */
export async function retryRun(tx: Tx, ids: IdGenerator, orgId: ID, runId: ID, requestedAt: number): Promise<ManualRequest> {
  const run = await tx.run.findFirst({ where: { id: runId, orgId }, select: { taskId: true, status: true, scheduledFor: true } });
  if (run === null) throw new RunNotFoundError();
  // A terminal state is final, so this check cannot go stale before commit.
  if (!TERMINAL_STATES.includes(run.status)) throw new RunNotFinishedError();
  const scheduledFor = Number(run.scheduledFor);
  return enqueueRange(tx, ids, run.taskId, scheduledFor, scheduledFor, requestedAt, 'retry');
}

export async function listSkipped(tx: Tx, taskId: ID, limit: number | undefined): Promise<SkippedOccurrence[]> {
  const take = listLimit(limit, 100, 1000);
  const rows = await tx.skippedOccurrence.findMany({ where: { taskId }, orderBy: { scheduledFor: 'desc' }, take });
  if (rows.length === 0 && (await tx.task.count({ where: { id: taskId } })) === 0) throw new TaskNotFoundError();
  return rows.map(toSkipped);
}
