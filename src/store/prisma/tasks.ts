import { Prisma } from '../../generated/prisma/client.js';
import { effectiveCron, type TaskOptions } from '../../options/index.js';
import { OrgNotFoundError, TaskNotFoundError, UserNotFoundError } from '../errors.js';
import type { ID, IdGenerator } from '../id.js';
import type { ListTasksRequest, Task, TaskWithMeta, UpdateTaskResult } from '../types.js';
import { toMeta, toTask, toTaskWithMeta, WITH_META, type TaskRecord } from './mapping.js';
import { nextDue, type SchedulingState } from './scheduling.js';
import type { Tx } from './transaction.js';
import { scriptWithOptions, taskPageSize, type CreateInput, type UpdateInput } from './validation.js';

export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Row lock on the task, false when there is none. UPDATE where its meta, runs or queue change (serialises
 * those per task across processes); KEY SHARE where only rows below it are written (what their foreign keys
 * take anyway), taken first so that the lock order is always task before run.
 */
export async function lockTask(tx: Tx, id: ID, mode: 'UPDATE' | 'KEY SHARE'): Promise<boolean> {
  const rows = await tx.$queryRaw<unknown[]>`SELECT id FROM "Task" WHERE id = ${id} FOR ${Prisma.raw(mode)}`;
  return rows.length > 0;
}

export async function loadTaskRecord(tx: Tx, id: ID): Promise<TaskRecord> {
  const record = await tx.task.findUnique({ where: { id }, include: WITH_META });
  if (record === null) throw new TaskNotFoundError();
  return record;
}

/** The task and all of its meta, locked for change. */
export async function lockTaskRecord(tx: Tx, id: ID): Promise<TaskRecord> {
  if (!(await lockTask(tx, id, 'UPDATE'))) throw new TaskNotFoundError();
  return loadTaskRecord(tx, id);
}

type ScheduleSource = Pick<TaskOptions, 'every' | 'cron' | 'timezone' | 'offset' | 'catchup'>;

function schedulingOf(source: ScheduleSource, active: boolean, latestCompleted: number, naturalRunning: number[]): SchedulingState {
  const schedule = { every: source.every, cron: source.cron, timezone: source.timezone };
  return { schedule, offset: source.offset, catchup: source.catchup, active, latestCompleted, naturalRunning };
}

export function schedulingState(record: TaskRecord): SchedulingState {
  const natural = record.runs.filter((run) => run.trigger === 'scheduled').map((run) => Number(run.scheduledFor));
  return schedulingOf(record, record.status === 'active', Number(record.meta!.latestCompleted), natural);
}

const bigOrNull = (value: number | null) => (value === null ? null : BigInt(value));

/** Writes what the scheduling state decides: latestCompleted and nextDue. */
export async function saveMeta(tx: Tx, taskId: ID, state: SchedulingState, fromOptions?: ReturnType<typeof metaColumns>): Promise<void> {
  await tx.taskMeta.update({
    where: { taskId },
    data: { latestCompleted: BigInt(state.latestCompleted), nextDue: bigOrNull(nextDue(state)), updatedAt: new Date(), ...fromOptions },
  });
}

function taskColumns(options: TaskOptions) {
  const { name, every, cron, offset, concurrency, retry, timezone, catchup, executor } = options;
  return { name, every, cron, offset, concurrency, retry, timezone, catchup, executor, timeoutMs: options.timeout };
}

function metaColumns(options: TaskOptions) {
  return { maxConcurrency: options.concurrency, effectiveCron: effectiveCron(options), offset: options.offset };
}

/** Holds the org and user until commit, so a concurrent delete cannot leave the task without an owner. */
async function lockOwner(tx: Tx, orgId: ID, userId: ID): Promise<void> {
  const orgs = await tx.$queryRaw<unknown[]>`SELECT id FROM "Org" WHERE id = ${orgId} FOR KEY SHARE`;
  if (orgs.length === 0) throw new OrgNotFoundError();
  const users = await tx.$queryRaw<{ orgId: bigint }[]>`SELECT "orgId" FROM "User" WHERE id = ${userId} FOR KEY SHARE`;
  if (users[0]?.orgId !== orgId) throw new UserNotFoundError();
}

export async function createTask(tx: Tx, ids: IdGenerator, input: CreateInput, now: number): Promise<Task> {
  await lockOwner(tx, input.orgId, input.userId);
  const { options } = input;
  const latestCompleted = input.scheduleAfter ?? now;
  const state = schedulingOf(options, input.status === 'active', latestCompleted, []);
  const row = await tx.task.create({
    data: {
      id: ids.next(),
      orgId: input.orgId,
      userId: input.userId,
      script: input.script,
      status: input.status,
      ...taskColumns(options),
      meta: { create: { ...metaColumns(options), latestCompleted: BigInt(latestCompleted), nextDue: bigOrNull(nextDue(state)) } },
    },
  });
  return toTask(row);
}

export async function updateTask(tx: Tx, input: UpdateInput, now: number): Promise<UpdateTaskResult> {
  const record = await lockTaskRecord(tx, input.id);
  const rewrite = input.script !== undefined || input.overrides !== undefined;
  const changed = rewrite ? scriptWithOptions(input.script ?? record.script, input.overrides) : undefined;
  const status = input.status ?? record.status;
  const before = schedulingState(record);
  // Re-activation does not replay what was missed while inactive (Decision 4).
  const reactivated = record.status === 'inactive' && status === 'active';
  const latestCompleted = reactivated ? Math.max(before.latestCompleted, now) : before.latestCompleted;
  const state = schedulingOf(changed?.options ?? record, status === 'active', latestCompleted, before.naturalRunning);

  await tx.task.update({
    where: { id: input.id },
    data: { status, updatedAt: new Date(), ...(changed && { script: changed.script, ...taskColumns(changed.options) }) },
  });
  await saveMeta(tx, input.id, state, changed && metaColumns(changed.options));
  const updated = await loadTaskRecord(tx, input.id);
  return { oldScript: record.script, oldStatus: record.status, newTask: toTask(updated), newMeta: toMeta(updated) };
}

export async function listTasks(tx: Tx, req: ListTasksRequest): Promise<TaskWithMeta[]> {
  const take = taskPageSize(req);
  const records = await tx.task.findMany({
    where: {
      orgId: req.orgId,
      userId: req.userId,
      status: req.status,
      name: req.name,
      ...(req.after !== undefined && { id: { gt: req.after } }),
    },
    orderBy: { id: 'asc' },
    take,
    include: WITH_META,
  });
  return records.map(toTaskWithMeta);
}
