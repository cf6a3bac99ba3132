import type { PrismaClient } from '../../db/prisma.js';
import { OrgNotFoundError, StoreError, UserNotFoundError } from '../errors.js';
import type { ID, IdGenerator } from '../id.js';
import type {
  CreateNextRunResult,
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
  RunEventPublisher,
  RunStatus,
  RunWithLog,
  SkippedOccurrence,
  Store,
  Task,
  TaskMeta,
  TaskWithMeta,
  UpdateTaskRequest,
  UpdateTaskResult,
} from '../types.js';
import { listEvents, type ListEventsRequest } from './events.js';
import { toMeta, toTask, toTaskWithMeta } from './mapping.js';
import { addRunLog, findRunById, listLogs, listRuns, updateRunState, type Recorded } from './run-log.js';
import { createNextRun, enqueueRange, finishRun, listSkipped, retryRun } from './runs.js';
import { createTask, listTasks, loadTaskRecord, unixNow, updateTask } from './tasks.js';
import { Slots, snapshot, transact, type Tx } from './transaction.js';
import { unixSeconds, validateCreate, validateRange, validateUpdate } from './validation.js';

/**
 * Store, LogWriter and LogReader on Prisma: every operation is one transaction (run again on
 * serialization failures and deadlocks), so any number of processes can share the database.
 * The Prisma client belongs to the caller; close() only waits for operations in flight.
 */
export class PrismaStore implements Store, LogWriter, LogReader {
  /** Below the default pool size (8), so the rest of the process still gets connections during a burst. */
  private readonly slots = new Slots(4);
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly ids: IdGenerator,
    private readonly publisher: RunEventPublisher,
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
    return this.track(() => transact(this.prisma, work));
  }

  private read<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.track(() => snapshot(this.prisma, work));
  }

  /** Publishes the events of the attempt that committed, after the commit. */
  private async record<T>(work: (tx: Tx) => Promise<Recorded<T>>): Promise<T> {
    const { value, events } = await this.write(work);
    if (events.length > 0) this.publisher.publish(events);
    return value;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
  }

  async createTask(req: CreateTaskRequest): Promise<Task> {
    const input = validateCreate(req);
    return this.write((tx) => createTask(tx, this.ids, input, unixNow()));
  }

  async updateTask(req: UpdateTaskRequest): Promise<UpdateTaskResult> {
    const input = validateUpdate(req);
    return this.write((tx) => updateTask(tx, input, unixNow()));
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
    return outcome;
  }

  async finishRun(taskId: ID, runId: ID): Promise<Run> {
    return this.write((tx) => finishRun(tx, taskId, runId));
  }

  async manuallyRunTimeRange(taskId: ID, start: number, end: number, requestedAt: number): Promise<ManualRequest> {
    validateRange(start, end, requestedAt);
    return this.write((tx) => enqueueRange(tx, this.ids, taskId, start, end, requestedAt));
  }

  async retryRun(orgId: ID, runId: ID, requestedAt: number): Promise<ManualRequest> {
    unixSeconds('requestedAt', requestedAt);
    return this.write((tx) => retryRun(tx, this.ids, orgId, runId, requestedAt));
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
}
