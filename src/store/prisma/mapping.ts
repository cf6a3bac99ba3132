import type { Prisma } from '../../generated/prisma/client.js';
import type {
  ManualRequest as RequestRow,
  Run as RunRow,
  RunEvent as EventRow,
  RunLog as LogRow,
  SkippedOccurrence as SkippedRow,
  Task as TaskRow,
} from '../../generated/prisma/client.js';
import type { Log, ManualRequest, Run, RunEvent, SkippedOccurrence, Task, TaskMeta, TaskWithMeta } from '../types.js';

/** A task with everything its meta is made of: the meta row, the runs in progress, the manual queue. */
export const WITH_META = {
  meta: true,
  runs: { where: { inProgress: true }, orderBy: { id: 'asc' } },
  manualRuns: { orderBy: { id: 'asc' } },
} satisfies Prisma.TaskInclude;

export type TaskRecord = Prisma.TaskGetPayload<{ include: typeof WITH_META }>;

export function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    orgId: row.orgId,
    userId: row.userId,
    name: row.name,
    script: row.script,
    status: row.status,
    every: row.every,
    cron: row.cron,
    offset: row.offset,
    concurrency: row.concurrency,
    retry: row.retry,
    timezone: row.timezone,
    catchup: row.catchup,
    timeoutMs: row.timeoutMs,
    executor: row.executor,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function toMeta(record: TaskRecord): TaskMeta {
  const meta = record.meta;
  if (meta === null) throw new Error(`task ${record.id} has no meta row`);
  return {
    taskId: record.id,
    maxConcurrency: meta.maxConcurrency,
    latestCompleted: Number(meta.latestCompleted),
    status: record.status,
    effectiveCron: meta.effectiveCron,
    offset: meta.offset,
    currentlyRunning: record.runs.map(toRun),
    manualRuns: record.manualRuns.map(toManualRequest),
    nextDue: optionalNumber(meta.nextDue),
    createdAt: meta.createdAt,
    updatedAt: meta.updatedAt,
  };
}

export function toTaskWithMeta(record: TaskRecord): TaskWithMeta {
  return { task: toTask(record), meta: toMeta(record) };
}

export function toRun(row: RunRow): Run {
  return {
    id: row.id,
    taskId: row.taskId,
    orgId: row.orgId,
    status: row.status,
    trigger: row.trigger,
    scheduledFor: Number(row.scheduledFor),
    runAt: Number(row.runAt),
    requestedAt: optionalNumber(row.requestedAt),
    try: row.try,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    error: row.error,
  };
}

export function toManualRequest(row: RequestRow): ManualRequest {
  return {
    taskId: row.taskId,
    start: Number(row.start),
    end: Number(row.end),
    requestedAt: Number(row.requestedAt),
    latestCompleted: Number(row.latestCompleted),
    runId: row.runId,
  };
}

export function toLog(row: LogRow): Log {
  return { id: row.id, runId: row.runId, taskId: row.taskId, seq: row.seq, time: row.time, message: row.message };
}

export function toSkipped(row: SkippedRow): SkippedOccurrence {
  return { taskId: row.taskId, scheduledFor: Number(row.scheduledFor), reason: row.reason, createdAt: row.createdAt };
}

export function toEvent(row: EventRow): RunEvent {
  const common = { seq: row.seq, orgId: row.orgId, taskId: row.taskId, runId: row.runId, when: row.when };
  if (row.kind === 'state') return { kind: 'state', ...common, status: row.status! };
  return { kind: 'log', ...common, logSeq: row.logSeq!, message: row.message! };
}

function optionalNumber(value: bigint | null): number | null {
  return value === null ? null : Number(value);
}
