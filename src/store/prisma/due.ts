import { Prisma } from '../../generated/prisma/client.js';
import type { ID, IdGenerator } from '../id.js';
import type { ExecutorFilter, RunCreation } from '../types.js';
import type { Recorded } from './run-log.js';
import { WITH_META } from './mapping.js';
import { RunPlanner, writeCreations } from './runs.js';
import type { Tx } from './transaction.js';

// What is due, by the database clock: the scheduler's half of SchedulerStore.

/** Task `t` (with meta `m`) has fewer runs in progress than its concurrency allows. */
const BELOW_CONCURRENCY = Prisma.sql`(SELECT count(*) FROM "Run" running WHERE running."taskId" = t.id AND running."inProgress") < m."maxConcurrency"`;
const DB_UNIX_NOW = Prisma.sql`floor(extract(epoch FROM now()))::bigint`;

/**
 * Run `r` belongs to a task that names one of the executors (or none, when the default is one of them).
 * A subquery per run, not a join: the planner cannot turn it around to start from the tasks, so scans of
 * scheduled runs stay in index order and stop at their LIMIT, even on statistics older than a backlog.
 */
export function executorMatches(filter: ExecutorFilter): Prisma.Sql {
  return Prisma.sql`(SELECT COALESCE(t.executor, ${filter.defaultExecutor}) FROM "Task" t WHERE t.id = r."taskId") = ANY(${filter.executors}::text[])`;
}

/** SchedulerStore.scheduleDue: due tasks below their concurrency, locked (others skipped), each drained in memory, written together. */
export async function scheduleDue(tx: Tx, ids: IdGenerator, limit: number): Promise<Recorded<RunCreation[]>> {
  const due = await tx.$queryRaw<{ id: ID; now: bigint }[]>`
    SELECT t.id, ${DB_UNIX_NOW} AS now
    FROM "Task" t JOIN "TaskMeta" m ON m."taskId" = t.id
    CROSS JOIN LATERAL (SELECT count(*)::int AS running FROM "Run" r WHERE r."taskId" = t.id AND r."inProgress") c
    WHERE t.status = 'active'
      AND (m."nextDue" <= ${DB_UNIX_NOW} OR EXISTS (SELECT 1 FROM "ManualRequest" q WHERE q."taskId" = t.id))
      AND c.running < m."maxConcurrency"
    ORDER BY m."nextDue"
    LIMIT ${limit}
    FOR UPDATE OF t SKIP LOCKED`;
  if (due.length === 0) return { value: [], events: [] };
  // Read after the locks: this statement's snapshot can predate a run another process created and committed
  // before the lock was ours. Room is exact from here: runs are only added or finished under the task's lock.
  const records = await tx.task.findMany({ where: { id: { in: due.map((row) => row.id) } }, include: WITH_META });
  const byId = new Map(records.map((record) => [record.id, record]));
  const planners = due.map(({ id, now }) => {
    const record = byId.get(id)!;
    return drain(new RunPlanner(record, ids, Number(now)), Number(now), record.meta!.maxConcurrency - record.runs.length);
  });
  const runs = await writeCreations(tx, planners);
  return { value: runs.map((run) => run.created), events: runs.map((run) => run.event) };
}

/** CreateNextRun until nothing more is due or the task has no room left (catch-up `all` drains here). */
function drain(planner: RunPlanner, now: number, room: number): RunPlanner {
  for (let left = room; left > 0 && planner.next() !== null; left--) {
    if (planner.nextDue > now && !planner.hasQueue) break;
  }
  return planner;
}

interface WakeRow {
  now: Date;
  nextDue: bigint | null;
  queued: boolean;
  available: Date | null;
}

/** SchedulerStore.nextWake. */
export async function nextWake(tx: Pick<Tx, '$queryRaw'>, claims: ExecutorFilter): Promise<{ now: Date; at: Date | null }> {
  const [row] = await tx.$queryRaw<WakeRow[]>`
    SELECT now() AS now,
      (SELECT m."nextDue" FROM "TaskMeta" m JOIN "Task" t ON t.id = m."taskId"
        WHERE t.status = 'active' AND m."nextDue" IS NOT NULL AND ${BELOW_CONCURRENCY}
        ORDER BY m."nextDue" LIMIT 1) AS "nextDue",
      EXISTS (SELECT 1 FROM "ManualRequest" q JOIN "Task" t ON t.id = q."taskId" JOIN "TaskMeta" m ON m."taskId" = t.id
        WHERE t.status = 'active' AND ${BELOW_CONCURRENCY}) AS queued,
      (SELECT r."availableAt" FROM "Run" r WHERE r.status = 'scheduled' AND ${executorMatches(claims)}
        ORDER BY r."availableAt", r.id LIMIT 1) AS available`;
  const { now, nextDue, queued, available } = row!;
  const candidates = [nextDue === null ? null : Number(nextDue) * 1000, queued ? now.getTime() : null, available?.getTime() ?? null];
  const times = candidates.filter((t): t is number => t !== null);
  return { now, at: times.length === 0 ? null : new Date(Math.min(...times)) };
}
