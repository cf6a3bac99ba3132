import type { PrismaClient } from '../../db/prisma.js';
import { OrgNotFoundError, RunNotFoundError, StoreError, UserNotFoundError } from '../errors.js';
import type { ID, IdGenerator } from '../id.js';
import type {
  AttemptOutcome,
  ClaimedRun,
  ClaimRunsRequest,
  CreateNextRunResult,
  ExecutorFilter,
  CreateTaskRequest,
  ListLogsRequest,
  ListRunsRequest,
  ListTasksRequest,
  Log,
  LogReader,
  LogWriter,
  ManualRequest,
  Run,
  RunBase,
  RunEvent,
  RunCreation,
  RunEventPublisher,
  RunStatus,
  RunWithLog,
  SchedulerHooks,
  SchedulerStore,
  SkippedOccurrence,
  Store,
  Task,
  TaskMeta,
  TaskWithMeta,
  UpdateTaskRequest,
  UpdateTaskResult,
} from '../types.js';
import { claimRuns, endAttempts, type AttemptEnd, type EndedAttempt } from './attempt-statements.js';
import { Batcher } from './batcher.js';
import { cancelRun, completeAttempt, heartbeat, reapable, reapRun } from './attempts.js';
import { nextWake, scheduleDue } from './due.js';
import { flushEvents, listEvents, type ListEventsRequest } from './events.js';
import { toMeta, toTask, toTaskWithMeta } from './mapping.js';
import { addRunLog, findRunById, listLogs, listRuns, updateRunState, type Recorded } from './run-log.js';
import { createNextRun, enqueueRange, finishRun, listSkipped, retryRun } from './runs.js';
import { createTask, listTasks, loadTaskRecord, unixNow, updateTask } from './tasks.js';
import { retrying, Slots, snapshot, transact, type Queryable, type Tx } from './transaction.js';
import { unixSeconds, validateCreate, validateRange, validateUpdate } from './validation.js';

export interface StoreOptions {
  /**
   * Wrap single statements in BEGIN/COMMIT: pglite-socket serves every socket from one session and lets
   * the messages of different sockets interleave outside a transaction (another socket's statement can
   * replace ours between Parse and Execute), so on PGlite only transactions are safe.
   */
  statementsInTransactions?: boolean;
}

/** Attempt ends per statement at most. */
const END_BATCH = 64;
/** Runs this process creates between two ANALYZEs of the run table. */
const ANALYZE_AFTER_RUNS = 5_000;

/**
 * Store, LogWriter, LogReader and SchedulerStore on Prisma: every operation is one transaction (run again
 * on serialization failures and deadlocks), so any number of processes can share the database.
 * The Prisma client belongs to the caller; close() only waits for operations in flight.
 */
export class PrismaStore implements Store, LogWriter, LogReader, SchedulerStore {
  /** Below the default pool size (8), so the rest of the process still gets connections during a burst. */
  private readonly slots = new Slots(4);
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly hooks = new Set<SchedulerHooks>();
  private closed = false;
  private createdSinceAnalyze = 0;
  /** Attempt ends that arrive while one statement is on its way go together in the next. */
  private readonly ends = new Batcher<AttemptEnd, EndedAttempt>(
    (ends) => this.statement((prisma) => endAttempts(prisma, ends)),
    (end) => end.runId,
    END_BATCH,
  );

  constructor(
    private readonly prisma: PrismaClient,
    private readonly ids: IdGenerator,
    private readonly publisher: RunEventPublisher,
    private readonly options: StoreOptions = {},
  ) {}

  private track<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreError('store is closed'));
    const promise = this.slots.run(operation);
    this.inFlight.add(promise);
    const forget = () => this.inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  private write<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.track(() =>
      transact(this.prisma, async (tx) => {
        const value = await work(tx);
        await flushEvents(tx);
        return value;
      }),
    );
  }

  private read<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.track(() => snapshot(this.prisma, work));
  }

  /** One statement, which is its own transaction: no BEGIN and COMMIT round trips. */
  private statement<T>(work: (db: Queryable) => Promise<T>): Promise<T> {
    const run = this.options.statementsInTransactions ? () => this.prisma.$transaction(work) : () => work(this.prisma);
    return this.track(() => retrying(run));
  }

  /** Publishes the events of the attempt that committed, after the commit, then tells the hooks. */
  private async record<T>(work: (tx: Tx) => Promise<Recorded<T>>): Promise<T> {
    return this.published(await this.write(work));
  }

  private published<T>({ value, events, transitions = [] }: Recorded<T>): T {
    if (events.length > 0) this.publisher.publish(events);
    for (const transition of transitions) this.tell((hooks) => hooks.onTransition?.(transition));
    return value;
  }

  private tell(call: (hooks: SchedulerHooks) => void): void {
    for (const hooks of [...this.hooks]) {
      try {
        call(hooks);
      } catch (error) {
        console.error('scheduler hook failed:', error);
      }
    }
  }

  /** After commit of a write that may make work due sooner. */
  private async scheduling<T>(operation: Promise<T>): Promise<T> {
    const value = await operation;
    this.tell((hooks) => hooks.onScheduleChange?.());
    return value;
  }

  observe(hooks: SchedulerHooks): () => void {
    this.hooks.add(hooks);
    return () => this.hooks.delete(hooks);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
  }

  async createTask(req: CreateTaskRequest): Promise<Task> {
    const input = validateCreate(req);
    return this.scheduling(this.write((tx) => createTask(tx, this.ids, input, unixNow())));
  }

  async updateTask(req: UpdateTaskRequest): Promise<UpdateTaskResult> {
    const input = validateUpdate(req);
    return this.scheduling(this.write((tx) => updateTask(tx, input, unixNow())));
  }

  async listTasks(req: ListTasksRequest): Promise<TaskWithMeta[]> {
    return this.read((tx) => listTasks(tx, req));
  }

  async findTaskById(id: ID): Promise<Task> {
    return toTask(await this.read((tx) => loadTaskRecord(tx, id)));
  }

  async findTaskMetaById(id: ID): Promise<TaskMeta> {
    return toMeta(await this.read((tx) => loadTaskRecord(tx, id)));
  }

  async findTaskByIdWithMeta(id: ID): Promise<TaskWithMeta> {
    return toTaskWithMeta(await this.read((tx) => loadTaskRecord(tx, id)));
  }

  async deleteTask(id: ID): Promise<boolean> {
    const { count } = await this.write((tx) => tx.task.deleteMany({ where: { id } }));
    return count > 0;
  }

  async deleteOrg(orgId: ID): Promise<void> {
    const { count } = await this.write((tx) => tx.org.deleteMany({ where: { id: orgId } }));
    if (count === 0) throw new OrgNotFoundError();
  }

  async deleteUser(userId: ID): Promise<void> {
    const { count } = await this.write((tx) => tx.user.deleteMany({ where: { id: userId } }));
    if (count === 0) throw new UserNotFoundError();
  }

  async createNextRun(taskId: ID, now: number): Promise<CreateNextRunResult> {
    unixSeconds('now', now);
    const outcome = await this.write((tx) => createNextRun(tx, this.ids, taskId, now));
    if (outcome instanceof Error) throw outcome;
    const { event, ...result } = outcome;
    this.publisher.publish([event]);
    return result;
  }

  async finishRun(taskId: ID, runId: ID): Promise<Run> {
    return this.scheduling(this.write((tx) => finishRun(tx, taskId, runId)));
  }

  async manuallyRunTimeRange(taskId: ID, start: number, end: number, requestedAt: number): Promise<ManualRequest> {
    validateRange(start, end, requestedAt);
    return this.scheduling(this.write((tx) => enqueueRange(tx, this.ids, taskId, start, end, requestedAt)));
  }

  async retryRun(orgId: ID, runId: ID, requestedAt: number): Promise<ManualRequest> {
    unixSeconds('requestedAt', requestedAt);
    return this.scheduling(this.write((tx) => retryRun(tx, this.ids, orgId, runId, requestedAt)));
  }

  async listSkipped(taskId: ID, limit?: number): Promise<SkippedOccurrence[]> {
    return this.read((tx) => listSkipped(tx, taskId, limit));
  }

  async updateRunState(base: RunBase, when: Date, state: RunStatus): Promise<Run> {
    return this.record((tx) => updateRunState(tx, base, when, state));
  }

  async addRunLog(base: RunBase, when: Date, message: string): Promise<Log> {
    return this.record((tx) => addRunLog(tx, base, when, message));
  }

  async listRuns(req: ListRunsRequest): Promise<Run[]> {
    return this.read((tx) => listRuns(tx, req));
  }

  async findRunById(orgId: ID, runId: ID): Promise<RunWithLog> {
    return this.read((tx) => findRunById(tx, orgId, runId));
  }

  async listLogs(req: ListLogsRequest): Promise<Log[]> {
    return this.read((tx) => listLogs(tx, req));
  }

  async listEvents(req: ListEventsRequest): Promise<RunEvent[]> {
    return this.read((tx) => listEvents(tx, req));
  }

  async now(): Promise<Date> {
    const [row] = await this.read((tx) => tx.$queryRaw<{ now: Date }[]>`SELECT now() AS now`);
    return row!.now;
  }

  async scheduleDue(limit: number): Promise<RunCreation[]> {
    const created = await this.record((tx) => scheduleDue(tx, this.ids, limit));
    if (created.length > 0) this.tell((hooks) => hooks.onScheduleChange?.());
    this.createdSinceAnalyze += created.length;
    if (this.createdSinceAnalyze >= ANALYZE_AFTER_RUNS) void this.analyzeRuns();
    return created;
  }

  /**
   * A backlog of scheduled runs the planner's statistics do not know yet (autovacuum looks every minute)
   * makes claims sort the whole backlog instead of reading the claim index in order: Postgres's advice
   * after a bulk load is ANALYZE, and it takes tens of milliseconds.
   */
  private async analyzeRuns(): Promise<void> {
    this.createdSinceAnalyze = 0;
    await this.statement((prisma) => prisma.$executeRaw`ANALYZE "Run"`).catch(() => {});
  }

  async nextWake(claims: ExecutorFilter): Promise<{ now: Date; at: Date | null }> {
    return this.statement((prisma) => nextWake(prisma, claims));
  }

  async claimRuns(req: ClaimRunsRequest): Promise<ClaimedRun[]> {
    return this.published(await this.statement((prisma) => claimRuns(prisma, req)));
  }

  async heartbeat(runId: ID, holder: string, leaseMs: number): Promise<{ leaseExpiresAt: Date; cancelRequested: boolean }> {
    return this.write((tx) => heartbeat(tx, runId, holder, leaseMs));
  }

  /** In one statement, but for a failure with tries left: its retry is planned in a transaction. */
  async completeAttempt(runId: ID, holder: string | null, outcome: AttemptOutcome): Promise<Run> {
    const ended = await this.ends.add({ runId, holder, outcome });
    if (ended === 'not-found') throw new RunNotFoundError();
    if (ended === 'retry') return this.scheduling(this.record((tx) => completeAttempt(tx, runId, holder, outcome)));
    const run = this.published(ended.ended);
    // Waking every scheduler at every end would cost each a pass; only a freed slot with work due needs one.
    const inMs = ended.freedDueInMs;
    if (inMs !== null && inMs <= 0) this.tell((hooks) => hooks.onScheduleChange?.());
    else if (inMs !== null) this.tell((hooks) => hooks.onSlotFreed?.(inMs));
    return run;
  }

  async reap(limit: number, cancelGraceMs: number): Promise<Run[]> {
    const reaped: Run[] = [];
    for (const runId of await this.read((tx) => reapable(tx, limit, cancelGraceMs))) {
      const run = await this.record((tx) => reapRun(tx, runId, cancelGraceMs));
      if (run !== null) reaped.push(run);
    }
    if (reaped.length > 0) this.tell((hooks) => hooks.onScheduleChange?.());
    return reaped;
  }

  async cancelRun(orgId: ID, runId: ID): Promise<Run> {
    const run = await this.record((tx) => cancelRun(tx, orgId, runId));
    if (run.status === 'started') this.tell((hooks) => hooks.onCancelRequested?.(runId));
    else this.tell((hooks) => hooks.onScheduleChange?.());
    return run;
  }
}
