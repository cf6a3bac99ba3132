import type { Catchup, OptionOverrides } from '../options/index.js';
import type { ID } from './id.js';

// The store's vocabulary (after the InfluxDB 2 task backend). Schedule times are whole Unix seconds;
// wall-clock moments are Dates.

export type TaskStatus = 'active' | 'inactive';
export type RunStatus = 'scheduled' | 'started' | 'success' | 'failed' | 'canceled';
export type RunTrigger = 'scheduled' | 'manual' | 'retry';

export const TERMINAL_STATES: readonly RunStatus[] = ['success', 'failed', 'canceled'];

export interface Task {
  id: ID;
  orgId: ID;
  userId: ID;
  name: string;
  /** Stored verbatim. */
  script: string;
  status: TaskStatus;
  /** Seconds, for `every` tasks (also `cron: "@every …"`); null for cron tasks. */
  every: number | null;
  cron: string | null;
  offset: number;
  concurrency: number;
  retry: number;
  timezone: string;
  catchup: Catchup;
  timeoutMs: number | null;
  executor: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ManualRequest {
  taskId: ID;
  start: number;
  end: number;
  requestedAt: number;
  /** Progress cursor: the newest tick of the range already created; start - 1 initially. */
  latestCompleted: number;
  /** Pre-assigned when start == end. */
  runId: ID | null;
}

export interface TaskMeta {
  taskId: ID;
  maxConcurrency: number;
  latestCompleted: number;
  status: TaskStatus;
  effectiveCron: string;
  offset: number;
  /** Runs created and not yet finished (FinishRun not called), oldest first. */
  currentlyRunning: Run[];
  /** FIFO, at most MANUAL_QUEUE_CAPACITY. */
  manualRuns: ManualRequest[];
  /** When the next natural run becomes due (tick + offset); null while inactive. */
  nextDue: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface TaskWithMeta {
  task: Task;
  meta: TaskMeta;
}

export interface Run {
  id: ID;
  taskId: ID;
  orgId: ID;
  status: RunStatus;
  trigger: RunTrigger;
  /** The tick this run is for (the script's `now`). */
  scheduledFor: number;
  /** scheduledFor + offset: when it became due (manual runs: when they were created). */
  runAt: number;
  requestedAt: number | null;
  try: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Reason of the last failure, if any. */
  error: string | null;
}

export interface Log {
  id: ID;
  runId: ID;
  taskId: ID;
  /** Line number within its run, from 1. */
  seq: number;
  time: Date;
  message: string;
}

export interface RunWithLog extends Run {
  log: Log[];
}

export interface SkippedOccurrence {
  taskId: ID;
  scheduledFor: number;
  reason: string;
  createdAt: Date;
}

/** A state change or log line, numbered database-wide in commit order. */
export type RunEvent =
  | { kind: 'state'; seq: bigint; orgId: ID; taskId: ID; runId: ID; status: RunStatus; when: Date }
  | { kind: 'log'; seq: bigint; orgId: ID; taskId: ID; runId: ID; logSeq: number; message: string; when: Date };

/** Hands committed events to subscribers (in-process, NOTIFY, Redis…). Called after commit only. */
export interface RunEventPublisher {
  publish(events: RunEvent[]): void;
}

export interface CreateTaskRequest {
  orgId?: ID | null;
  userId?: ID | null;
  script: string;
  /** Unix seconds; the first run is the first tick strictly after it. Default: now. */
  scheduleAfter?: number;
  status?: string;
}

export interface UpdateTaskRequest {
  id?: ID | null;
  script?: string;
  status?: string;
  /** Rewrite these keys of the script's `option task` record. */
  options?: OptionOverrides;
}

export interface UpdateTaskResult {
  oldScript: string;
  oldStatus: TaskStatus;
  newTask: Task;
  newMeta: TaskMeta;
}

export interface ListTasksRequest {
  orgId?: ID;
  userId?: ID;
  /** Exclusive cursor: tasks with a greater ID. */
  after?: ID;
  /** 0 → 100; at most 500. */
  pageSize?: number;
  status?: TaskStatus;
  name?: string;
}

export interface RunCreation {
  taskId: ID;
  runId: ID;
  /** The created run's scheduledFor. */
  now: number;
  requestedAt: number | null;
}

export interface CreateNextRunResult {
  created: RunCreation;
  /** When the next natural run becomes due (tick + offset). */
  nextDue: number;
  hasQueue: boolean;
}

export interface RunBase {
  taskId: ID;
  runId: ID;
  scheduledFor: number;
  requestedAt?: number | null;
}

export interface ListRunsRequest {
  orgId: ID;
  taskId?: ID | null;
  /** Exclusive cursor: a run ID from a previous page. */
  after?: ID;
  /** 1..500, default 100. */
  limit?: number;
  /** Exclusive bounds on scheduledFor. */
  afterTime?: number;
  beforeTime?: number;
  status?: RunStatus;
}

export interface ListLogsRequest {
  orgId: ID;
  taskId?: ID | null;
  runId?: ID | null;
  /** Exclusive cursor: a log ID from a previous page. */
  after?: ID;
  /** 1..1000, default 100. */
  limit?: number;
}

export const MANUAL_QUEUE_CAPACITY = 32;

/** Tasks, their scheduling state and run creation. Every operation is one transaction. */
export interface Store {
  createTask(req: CreateTaskRequest): Promise<Task>;
  updateTask(req: UpdateTaskRequest): Promise<UpdateTaskResult>;
  listTasks(req: ListTasksRequest): Promise<TaskWithMeta[]>;
  findTaskById(id: ID): Promise<Task>;
  findTaskMetaById(id: ID): Promise<TaskMeta>;
  findTaskByIdWithMeta(id: ID): Promise<TaskWithMeta>;
  /** True if it existed; its meta, queue, runs and logs go with it. */
  deleteTask(id: ID): Promise<boolean>;
  createNextRun(taskId: ID, now: number): Promise<CreateNextRunResult>;
  finishRun(taskId: ID, runId: ID): Promise<Run>;
  manuallyRunTimeRange(taskId: ID, start: number, end: number, requestedAt: number): Promise<ManualRequest>;
  /** Queues (scheduledFor, scheduledFor) for a finished run; RunNotFinishedError while it is in progress. */
  retryRun(orgId: ID, runId: ID, requestedAt: number): Promise<ManualRequest>;
  listSkipped(taskId: ID, limit?: number): Promise<SkippedOccurrence[]>;
  deleteOrg(orgId: ID): Promise<void>;
  deleteUser(userId: ID): Promise<void>;
  close(): Promise<void>;
}

export interface LogWriter {
  /** Records a legal transition (terminal states are final) and publishes it after commit. */
  updateRunState(base: RunBase, when: Date, state: RunStatus): Promise<Run>;
  addRunLog(base: RunBase, when: Date, message: string): Promise<Log>;
}

export interface LogReader {
  listRuns(req: ListRunsRequest): Promise<Run[]>;
  findRunById(orgId: ID, runId: ID): Promise<RunWithLog>;
  listLogs(req: ListLogsRequest): Promise<Log[]>;
  /** Stored events with seq > after, oldest first, for subscribers catching up. */
  listEvents(req: { orgId: ID; after: bigint; taskId?: ID; runId?: ID; limit?: number }): Promise<RunEvent[]>;
}

export const PERMISSIONS = ['read:tasks', 'write:tasks', 'execute:runs', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export interface Org {
  id: ID;
  name: string;
  createdAt: Date;
}

export interface User {
  id: ID;
  orgId: ID;
  name: string;
  createdAt: Date;
}

/** A token as stored: the secret itself is only ever returned once, by createToken. */
export interface Authorization {
  id: ID;
  orgId: ID;
  userId: ID;
  description: string;
  permissions: Permission[];
  createdAt: Date;
}

/** Orgs, users and API tokens. */
export interface AccountStore {
  createOrg(name: string): Promise<Org>;
  createUser(orgId: ID, name: string): Promise<User>;
  createToken(req: { orgId: ID; userId: ID; description?: string; permissions: Permission[] }): Promise<{ token: string; authorization: Authorization }>;
  /** The authorization a secret belongs to, or null for an unknown secret. */
  findAuthorization(token: string): Promise<Authorization | null>;
}

/** How an attempt ended, as its executor reports it. */
export type AttemptOutcome = { status: 'success' } | { status: 'failed'; reason: string } | { status: 'canceled' };

/** A started attempt handed to an executor: what to run and until when it holds the lease. */
export interface ClaimedRun {
  run: Run;
  task: Task;
  /** `executor` of the task, or the server's default: `shell`, `worker` (queue "default"), `worker:<queue>`, … */
  executor: string;
  holder: string;
  leaseExpiresAt: Date;
  /** When the attempt times out (task `timeout`, counted from run.startedAt), or null. */
  deadline: Date | null;
}

/** Which runs an executor takes: those whose task names one of `executors` (tasks naming none: `defaultExecutor`). */
export interface ExecutorFilter {
  executors: string[];
  defaultExecutor: string;
}

export interface ClaimRunsRequest extends ExecutorFilter {
  /** Who executes: a process or worker identity, recorded as the lease holder. */
  holder: string;
  /** Only runs of this org (a worker's token); every org when absent (the server's own executors). */
  orgId?: ID;
  max: number;
  leaseMs: number;
}

/** A state change this process committed: the run as it is now, and where it came from. */
export interface RunTransition {
  run: Run;
  from: RunStatus;
  when: Date;
}

/** Called after commit, synchronously: keep them cheap. A hook that throws is reported and does not stop the others. */
export interface SchedulerHooks {
  /** Every state change this process commits (claims, attempt ends, retries, reaps, cancels, LogWriter.updateRunState). */
  onTransition?(transition: RunTransition): void;
  /** Something may be due sooner: a task created or updated, a manual request, runs created, a run ended or was requeued. */
  onScheduleChange?(): void;
  /**
   * A run ended and freed a slot of a task that was at its concurrency, whose next run is due in `inMs`
   * (by the database clock): schedulers that left that task out of their sleep should wake by then.
   */
  onSlotFreed?(inMs: number): void;
  /** A started run was asked to stop: its executor should kill it. */
  onCancelRequested?(runId: ID): void;
}

/**
 * What the scheduler and executors need on top of the Store. Every transition goes through the same
 * transactions as LogWriter (log line, then state, then events published after commit).
 */
export interface SchedulerStore {
  /** The database clock. */
  now(): Promise<Date>;
  /** Locks up to `limit` due tasks (FOR UPDATE SKIP LOCKED) and creates their due runs (CreateNextRun until not due or at max concurrency). */
  scheduleDue(limit: number): Promise<RunCreation[]>;
  /**
   * The database clock, and the earliest moment anything is due (null: nothing): a natural run of a task
   * below its concurrency, a queued manual run (now), or a scheduled run that `claims` would take.
   */
  nextWake(claims: ExecutorFilter): Promise<{ now: Date; at: Date | null }>;
  /** scheduled → started for up to `max` runs that are due (availableAt ≤ now), leased to `holder`; log `Started`. */
  claimRuns(req: ClaimRunsRequest): Promise<ClaimedRun[]>;
  /** Renews the lease; `cancelRequested` tells the holder to stop. RunNotFoundError when `holder` no longer holds it. */
  heartbeat(runId: ID, holder: string, leaseMs: number): Promise<{ leaseExpiresAt: Date; cancelRequested: boolean }>;
  /**
   * Ends the attempt: success; canceled; failed → back to scheduled with try + 1 after backoff while
   * try < retry (log `retrying in …`), else failed. After a cancel request, failed counts as canceled.
   * Terminal states call FinishRun in the same transaction.
   * `holder` null = whoever holds it. RunNotFoundError if the run is not started or not held by `holder`.
   */
  completeAttempt(runId: ID, holder: string | null, outcome: AttemptOutcome): Promise<Run>;
  /** Fails attempts whose lease expired (`lease expired (worker lost)`, retry rule) and cancels runs whose cancel grace ran out. */
  reap(limit: number, cancelGraceMs: number): Promise<Run[]>;
  /** A scheduled run is canceled at once; a started one is flagged for its executor. RunNotFoundError if finished or another org's. */
  cancelRun(orgId: ID, runId: ID): Promise<Run>;
  /** Adds hooks; returns the function that removes them. */
  observe(hooks: SchedulerHooks): () => void;
}
