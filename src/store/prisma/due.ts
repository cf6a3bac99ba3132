import { Prisma } from '../../generated/prisma/client.js';
import { RunNotYetDueError } from '../errors.js';
import type { ID, IdGenerator } from '../id.js';
import type { ExecutorFilter, RunCreation } from '../types.js';
import type { Recorded } from './run-log.js';
import { createNextRun, type CreatedRun } from './runs.js';
import type { Tx } from './transaction.js';

// What is due, by the database clock: the scheduler's half of SchedulerStore.

/** Task `t` (with meta `m`) has fewer runs in progress than its concurrency allows. */
const BELOW_CONCURRENCY = Prisma.sql`(SELECT count(*) FROM "Run" running WHERE running."taskId" = t.id AND running."inProgress") < m."maxConcurrency"`;
const DB_UNIX_NOW = Prisma.sql`floor(extract(epoch FROM now()))::bigint`;

/** Runs whose task names one of the executors (or none, when the default is one of them). */
export function executorMatches(filter: ExecutorFilter): Prisma.Sql {
  return Prisma.sql`COALESCE(t.executor, ${filter.defaultExecutor}) = ANY(${filter.executors}::text[])`;
}

/** SchedulerStore.scheduleDue: due tasks below their concurrency, locked (others skipped), drained run by run. */
export async function scheduleDue(tx: Tx, ids: IdGenerator, limit: number): Promise<Recorded<RunCreation[]>> {
  // `room` is exact: runs are only added or finished under the task's lock, which this statement takes.
  const due = await tx.$queryRaw<{ id: ID; now: bigint; room: number }[]>`
    SELECT t.id, ${DB_UNIX_NOW} AS now, m."maxConcurrency" - c.running AS room
    FROM "Task" t JOIN "TaskMeta" m ON m."taskId" = t.id
    CROSS JOIN LATERAL (SELECT count(*)::int AS running FROM "Run" r WHERE r."taskId" = t.id AND r."inProgress") c
    WHERE t.status = 'active'
      AND (m."nextDue" <= ${DB_UNIX_NOW} OR EXISTS (SELECT 1 FROM "ManualRequest" q WHERE q."taskId" = t.id))
      AND c.running < m."maxConcurrency"
    ORDER BY m."nextDue"
    LIMIT ${limit}
    FOR UPDATE OF t SKIP LOCKED`;
  const runs: CreatedRun[] = [];
  for (const { id, now, room } of due) runs.push(...(await drain(tx, ids, id, Number(now), room)));
  return { value: runs.map((run) => run.created), events: runs.map((run) => run.event) };
}

/** CreateNextRun until nothing more is due or the task has no room left (catch-up `all` drains here). */
async function drain(tx: Tx, ids: IdGenerator, taskId: ID, now: number, room: number): Promise<CreatedRun[]> {
  const created: CreatedRun[] = [];
  for (let left = room; left > 0; left--) {
    const result = await createNextRun(tx, ids, taskId, now);
    if (result instanceof RunNotYetDueError) break;
    created.push(result);
    if (result.nextDue > now && !result.hasQueue) break;
  }
  return created;
}

interface WakeRow {
  now: Date;
  nextDue: bigint | null;
  queued: boolean;
  available: Date | null;
}

/** SchedulerStore.nextWake. */
export async function nextWake(tx: Tx, claims: ExecutorFilter): Promise<{ now: Date; at: Date | null }> {
  const [row] = await tx.$queryRaw<WakeRow[]>`
    SELECT now() AS now,
      (SELECT m."nextDue" FROM "TaskMeta" m JOIN "Task" t ON t.id = m."taskId"
        WHERE t.status = 'active' AND m."nextDue" IS NOT NULL AND ${BELOW_CONCURRENCY}
        ORDER BY m."nextDue" LIMIT 1) AS "nextDue",
      EXISTS (SELECT 1 FROM "ManualRequest" q JOIN "Task" t ON t.id = q."taskId" JOIN "TaskMeta" m ON m."taskId" = t.id
        WHERE t.status = 'active' AND ${BELOW_CONCURRENCY}) AS queued,
      (SELECT min(r."availableAt") FROM "Run" r JOIN "Task" t ON t.id = r."taskId"
        WHERE r.status = 'scheduled' AND ${executorMatches(claims)}) AS available`;
  const { now, nextDue, queued, available } = row!;
  const candidates = [nextDue === null ? null : Number(nextDue) * 1000, queued ? now.getTime() : null, available?.getTime() ?? null];
  const times = candidates.filter((t): t is number => t !== null);
  return { now, at: times.length === 0 ? null : new Date(Math.min(...times)) };
}
