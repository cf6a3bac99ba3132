import { Prisma, type ManualRequest as ManualRequestRow } from '../../generated/prisma/client.js';
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
import { MANUAL_QUEUE_CAPACITY, TERMINAL_STATES, type CreateNextRunResult, type ManualRequest, type Run, type RunCreation, type RunEvent, type RunTrigger, type SkippedOccurrence } from '../types.js';
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

/** CreateNextRun over and over for one task, in memory; writeCreations stores what it decided. */
export class RunPlanner {
  readonly state: SchedulingState;
  readonly skips: Skip[] = [];
  readonly runs: NewRun[] = [];
  /** The manual queue, head first; an entry leaves it (into `done`) once its last run is created. */
  private readonly queue: ManualRequestRow[];
  readonly done: ManualRequestRow[] = [];
  /** Entries still queued whose cursor moved. */
  private readonly moved = new Set<ManualRequestRow>();
  /** Whether latestCompleted or the runs in progress changed, so meta must be written. */
  changed = false;

  constructor(
    readonly record: TaskRecord,
    private readonly ids: IdGenerator,
    private readonly now: number,
  ) {
    this.state = schedulingState(record);
    this.queue = record.manualRuns.map((entry) => ({ ...entry }));
  }

  get hasQueue(): boolean {
    return this.queue.length > 0;
  }

  get nextDue(): number {
    return nextDue(this.state)!;
  }

  get queueMoved(): ManualRequestRow[] {
    return [...this.moved].filter((entry) => !this.done.includes(entry));
  }

  /** One CreateNextRun (§4.3, §4.4): the natural run due, else the queue's next, else null. */
  next(): NewRun | null {
    const plan = planNatural(this.state, this.now);
    if (plan !== null) {
      this.skips.push(...plan.skipped);
      this.state.latestCompleted = plan.latestCompleted;
      this.changed = true;
    }
    // Natural runs win over the queue.
    const run = plan?.run == null ? this.fromQueue() : this.natural(plan.run);
    if (run !== null) this.runs.push(run);
    return run;
  }

  /** The natural run for `tick`, counted as in progress from now on. */
  private natural(tick: number): NewRun {
    this.state.naturalRunning.push(tick);
    return { id: this.ids.next(), trigger: 'scheduled', scheduledFor: tick, runAt: tick + this.state.offset, requestedAt: null };
  }

  /**
   * The next run of the queue's head entry; the entry goes once its last run is created. Its cursor moves
   * when a run is created, not when it finishes, so the same tick is never created twice. The entry says
   * the trigger: `retry` for a queued retryRun, else `manual`.
   */
  private fromQueue(): NewRun | null {
    for (let head = this.queue[0]; head !== undefined; head = this.queue[0]) {
      const cursor = { start: Number(head.start), end: Number(head.end), latestCompleted: Number(head.latestCompleted) };
      const next = nextRequestedTick(this.record, cursor);
      if (next === null || next.last) this.done.push(this.queue.shift()!);
      else this.moved.add(Object.assign(head, { latestCompleted: BigInt(next.tick) }));
      if (next === null) continue; // a range left without ticks (the schedule changed): nothing to run
      this.changed = true;
      return { id: head.runId ?? this.ids.next(), trigger: head.trigger, scheduledFor: next.tick, runAt: this.now, requestedAt: Number(head.requestedAt) };
    }
    return null;
  }
}

/** A created run with the event to publish after commit. */
export interface CreatedRun {
  created: RunCreation;
  event: RunEvent;
}

/**
 * Stores what planners decided, for any number of tasks in a few statements: skipped ticks, the manual
 * queues, the runs with their `scheduled` events (subscribers see a run from the moment it exists), meta.
 */
export async function writeCreations(tx: Tx, planners: RunPlanner[]): Promise<CreatedRun[]> {
  const skipped = planners.flatMap((p) => p.skips.map((skip) => ({ taskId: p.record.id, scheduledFor: BigInt(skip.scheduledFor), reason: skip.reason })));
  if (skipped.length > 0) await tx.skippedOccurrence.createMany({ data: skipped, skipDuplicates: true });
  const done = planners.flatMap((p) => p.done.map((entry) => entry.id));
  if (done.length > 0) await tx.manualRequest.deleteMany({ where: { id: { in: done } } });
  for (const entry of planners.flatMap((p) => p.queueMoved)) {
    await tx.manualRequest.update({ where: { id: entry.id }, data: { latestCompleted: entry.latestCompleted } });
  }
  const runs = planners.flatMap((p) => p.runs.map((run) => ({ run, record: p.record })));
  if (runs.length > 0) await insertRuns(tx, runs);
  await saveMetas(tx, planners.filter((p) => p.changed));
  const when = new Date();
  return runs.map(({ run, record }) => ({
    created: { taskId: record.id, runId: run.id, now: run.scheduledFor, requestedAt: run.requestedAt },
    event: insertEvent(tx, { kind: 'state', orgId: record.orgId, taskId: record.id, runId: run.id, status: 'scheduled', when }),
  }));
}

/** One statement with a column of parameters each, not a row of parameters per run. */
async function insertRuns(tx: Tx, runs: { run: NewRun; record: TaskRecord }[]): Promise<void> {
  const column = <T>(pick: (run: NewRun, record: TaskRecord) => T) => runs.map(({ run, record }) => pick(run, record));
  await tx.$executeRaw`
    INSERT INTO "Run" (id, "taskId", "orgId", trigger, "scheduledFor", "runAt", "requestedAt", "availableAt")
    SELECT r.id, r."taskId", r."orgId", r.trigger::"RunTrigger", r."scheduledFor", r."runAt", r."requestedAt", to_timestamp(r."runAt")
    FROM unnest(${column((run) => run.id)}::bigint[], ${column((_, record) => record.id)}::bigint[], ${column((_, record) => record.orgId)}::bigint[],
      ${column((run) => run.trigger)}::text[], ${column((run) => run.scheduledFor)}::bigint[], ${column((run) => run.runAt)}::bigint[],
      ${column((run) => run.requestedAt)}::bigint[]) AS r(id, "taskId", "orgId", trigger, "scheduledFor", "runAt", "requestedAt")`;
}

/** latestCompleted and nextDue of each planner's task, in one statement. */
async function saveMetas(tx: Tx, planners: RunPlanner[]): Promise<void> {
  if (planners.length === 0) return;
  const rows = planners.map((p) => Prisma.sql`(${p.record.id}::bigint, ${BigInt(p.state.latestCompleted)}::bigint, ${BigInt(p.nextDue)}::bigint)`);
  await tx.$executeRaw`
    UPDATE "TaskMeta" m SET "latestCompleted" = v.latest, "nextDue" = v.due, "updatedAt" = now()
    FROM (VALUES ${Prisma.join(rows)}) AS v(id, latest, due) WHERE m."taskId" = v.id`;
}

/**
 * Store.createNextRun (§4.3, §4.4). A RunNotYetDueError is returned rather than thrown, because ticks
 * skipped by catch-up on the way must still be committed.
 */
export async function createNextRun(tx: Tx, ids: IdGenerator, taskId: ID, now: number): Promise<(CreateNextRunResult & { event: RunEvent }) | RunNotYetDueError> {
  const record = await lockTaskRecord(tx, taskId);
  if (record.status !== 'active') throw new TaskInactiveError();
  if (record.runs.length >= record.meta!.maxConcurrency) throw new MaxConcurrencyError();
  const planner = new RunPlanner(record, ids, now);
  planner.next();
  const [created] = await writeCreations(tx, [planner]);
  if (created === undefined) return new RunNotYetDueError(planner.nextDue);
  return { ...created, nextDue: planner.nextDue, hasQueue: planner.hasQueue };
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
