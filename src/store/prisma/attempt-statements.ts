import { Prisma, type Run as RunRow, type Task as TaskRow } from '../../generated/prisma/client.js';
import type { ID } from '../id.js';
import type { AttemptOutcome, ClaimedRun, ClaimRunsRequest, Run, RunEvent, RunStatus } from '../types.js';
import { executorMatches } from './due.js';
import { insertEventsCte } from './events.js';
import { toRun, toTask } from './mapping.js';
import { ATTEMPT_LINES, logLine, type Recorded } from './run-log.js';
import type { Queryable } from './transaction.js';

// The two steps every run takes, claim and end of attempt, each as one statement: its own transaction,
// one round trip, and the event-order lock held only from the event insert to the commit. They write
// what attempts.ts writes (log line, state, FinishRun, events); a failure with tries left goes there.


/** The database clock as stored (timestamptz(3) keeps milliseconds; truncate as a JavaScript Date would). */
const NOW_MS = Prisma.sql`date_trunc('milliseconds', now())`;

/**
 * CTEs `line` (the next log line of each run in `changed`, numbered under the run's lock) and `events`
 * (that line's event, then the run's new state).
 */
function lineAndEvents(message: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`line AS (
      INSERT INTO "RunLog" ("runId", "taskId", "orgId", seq, time, message)
      SELECT c.id, c."taskId", c."orgId", COALESCE((SELECT max(l.seq) FROM "RunLog" l WHERE l."runId" = c.id), 0) + 1, ${NOW_MS}, ${message}
      FROM changed c
      RETURNING "runId", seq, time, message
    ), ${insertEventsCte(Prisma.sql`
      SELECT 'log'::"RunEventKind" AS kind, c."orgId", c."taskId", c.id AS "runId", NULL::"RunStatus" AS status, l.seq AS "logSeq", l.message, l.time AS "when", 1 AS ord
      FROM changed c JOIN line l ON l."runId" = c.id
      UNION ALL
      SELECT 'state', c."orgId", c."taskId", c.id, c.status, NULL, NULL, l.time, 2
      FROM changed c JOIN line l ON l."runId" = c.id`)}`;
}

/** The columns that report a changed run's line and event seqs (for runs `c` beside CTEs line and events). */
const STEP_COLUMNS = Prisma.sql`
  (SELECT l.seq FROM line l WHERE l."runId" = c.id) AS "lineSeq",
  (SELECT l.message FROM line l WHERE l."runId" = c.id) AS "lineMessage",
  (SELECT e.seq FROM events e WHERE e."runId" = c.id AND e.kind = 'log') AS "logEventSeq",
  (SELECT e.seq FROM events e WHERE e."runId" = c.id AND e.kind = 'state') AS "stateEventSeq"`;

interface StepRow {
  lineSeq: number;
  lineMessage: string;
  logEventSeq: bigint;
  stateEventSeq: bigint;
}

/** The line's event and the state event of one step, as stored. */
function stepEvents(run: Run, step: StepRow): RunEvent[] {
  const common = { orgId: run.orgId, taskId: run.taskId, runId: run.id };
  const when = run.status === 'started' ? run.startedAt! : run.finishedAt!;
  return [
    { kind: 'log', seq: step.logEventSeq, ...common, logSeq: step.lineSeq, message: step.lineMessage, when },
    { kind: 'state', seq: step.stateEventSeq, ...common, status: run.status, when },
  ];
}

const TASK_FIELDS = Object.values(Prisma.TaskScalarFieldEnum);
/** The task's columns, as "task.<field>". */
const TASK_COLUMNS = Prisma.join(TASK_FIELDS.map((field) => Prisma.raw(`t."${field}" AS "task.${field}"`)));

function taskOf(row: Record<string, unknown>): TaskRow {
  return Object.fromEntries(TASK_FIELDS.map((field) => [field, row[`task.${field}`]])) as TaskRow;
}

/** SchedulerStore.claimRuns: the due runs nobody else is claiming, started and leased, each with its `Started` line. */
export async function claimRuns(db: Queryable, req: ClaimRunsRequest): Promise<Recorded<ClaimedRun[]>> {
  const org = req.orgId === undefined ? Prisma.empty : Prisma.sql`AND r."orgId" = ${req.orgId}`;
  const rows = await db.$queryRaw<(RunRow & StepRow & Record<string, unknown>)[]>`
    WITH picked AS (
      SELECT r.id FROM "Run" r
      WHERE r.status = 'scheduled' AND r."availableAt" <= now() AND ${executorMatches(req)} ${org}
      ORDER BY r."availableAt", r.id
      LIMIT ${req.max}
      FOR UPDATE SKIP LOCKED
    ), changed AS (
      UPDATE "Run" r SET status = 'started', "startedAt" = ${NOW_MS}, "leaseHolder" = ${req.holder},
        "leaseExpiresAt" = ${NOW_MS} + ${req.leaseMs} * interval '1 millisecond'
      FROM picked WHERE r.id = picked.id
      RETURNING r.*
    ), ${lineAndEvents(Prisma.sql`${ATTEMPT_LINES.started}`)}
    SELECT c.*, ${STEP_COLUMNS}, ${TASK_COLUMNS}
    FROM changed c JOIN "Task" t ON t.id = c."taskId"
    ORDER BY c."availableAt", c.id`;
  const claimed = rows.map((row): ClaimedRun => {
    const run = toRun(row);
    const task = toTask(taskOf(row));
    const deadline = task.timeoutMs === null ? null : new Date(run.startedAt!.getTime() + task.timeoutMs);
    return { run, task, executor: task.executor ?? req.defaultExecutor, holder: req.holder, leaseExpiresAt: row.leaseExpiresAt!, deadline };
  });
  return {
    value: claimed,
    events: rows.flatMap((row, i) => stepEvents(claimed[i]!.run, row)),
    transitions: claimed.map(({ run }) => ({ run, from: 'scheduled' as RunStatus, when: run.startedAt! })),
  };
}

/**
 * When the task of ended run `c` was at its concurrency (the statement's snapshot still counts `c` in
 * progress), in how many ms its next run is due: 0 with a manual request queued; null when the task had
 * room already (every scheduler counted it when it went to sleep) or is inactive.
 */
const FREED_DUE_IN_MS = Prisma.sql`(
  SELECT CASE WHEN EXISTS (SELECT 1 FROM "ManualRequest" q WHERE q."taskId" = m."taskId") THEN 0
    ELSE m."nextDue" * 1000 - floor(extract(epoch FROM now()) * 1000)::bigint END
  FROM "TaskMeta" m
  WHERE m."taskId" = c."taskId" AND m."nextDue" IS NOT NULL
    AND (SELECT count(*) FROM "Run" r WHERE r."taskId" = c."taskId" AND r."inProgress") >= m."maxConcurrency"
) AS "freedDueInMs"`;

/**
 * What ending an attempt answers: the ended run (and, when it freed the slot of a task at its concurrency,
 * when that task is due), a failure the slow path retries, or nothing (not this holder's started run).
 */
export type EndedAttempt = { ended: Recorded<Run>; freedDueInMs: number | null } | 'retry' | 'not-found';

export interface AttemptEnd {
  runId: ID;
  holder: string | null;
  outcome: AttemptOutcome;
}

type EndRow = RunRow & StepRow & { input: ID; retry: boolean; id: ID | null; freedDueInMs: bigint | null };

/**
 * The ends of started attempts that leave them terminal, any number in one statement: log line, state,
 * FinishRun (the run leaves currentlyRunning; a natural run raises latestCompleted, which never moves
 * nextDue, since the tick was already counted as scheduled) and events. Tasks are locked first, then
 * runs, each in ID order, so two such statements never deadlock. `ends` name distinct runs.
 */
export async function endAttempts(db: Queryable, ends: AttemptEnd[]): Promise<EndedAttempt[]> {
  const column = <T>(pick: (end: AttemptEnd) => T) => ends.map(pick);
  const reason = (end: AttemptEnd) => (end.outcome.status === 'failed' ? end.outcome.reason : null);
  const rows = await db.$queryRaw<EndRow[]>`
    WITH input AS (
      SELECT * FROM unnest(${column((e) => e.runId)}::bigint[], ${column((e) => e.holder)}::text[], ${column((e) => e.outcome.status)}::text[],
        ${column(reason)}::text[], ${column((e) => (reason(e) === null ? null : logLine(`Failed: ${reason(e)}`)))}::text[])
        AS i(id, holder, outcome, reason, "failedLine")
    ), locked_task AS MATERIALIZED (
      SELECT t.id, t.retry FROM "Task" t WHERE t.id IN (SELECT r."taskId" FROM "Run" r JOIN input i ON i.id = r.id)
      ORDER BY t.id FOR UPDATE
    ), run AS MATERIALIZED (
      SELECT r.id, r.status, r."leaseHolder", r."cancelRequestedAt", r.try < lt.retry AS "triesLeft", i.holder, i.outcome, i.reason, i."failedLine"
      FROM "Run" r JOIN input i ON i.id = r.id JOIN locked_task lt ON lt.id = r."taskId"
      ORDER BY r.id FOR UPDATE OF r
    ), mine AS (
      SELECT * FROM run WHERE status = 'started' AND (holder IS NULL OR "leaseHolder" = holder)
    ), ending AS (
      SELECT id, (CASE WHEN outcome = 'failed' AND "cancelRequestedAt" IS NOT NULL THEN 'canceled' ELSE outcome END)::"RunStatus" AS status, reason, "failedLine"
      FROM mine WHERE NOT (outcome = 'failed' AND "cancelRequestedAt" IS NULL AND "triesLeft")
    ), changed AS (
      UPDATE "Run" r SET status = e.status, "finishedAt" = ${NOW_MS}, "leaseHolder" = NULL, "leaseExpiresAt" = NULL, "inProgress" = false,
        error = CASE e.status WHEN 'success' THEN NULL WHEN 'failed' THEN e.reason ELSE r.error END
      FROM ending e WHERE r.id = e.id
      RETURNING r.*
    ), finished AS (
      UPDATE "TaskMeta" m SET "updatedAt" = ${NOW_MS}, "latestCompleted" = GREATEST(m."latestCompleted", f.latest)
      FROM (SELECT "taskId", max("scheduledFor") FILTER (WHERE trigger = 'scheduled') AS latest FROM changed GROUP BY "taskId") f
      WHERE m."taskId" = f."taskId"
    ), ${lineAndEvents(Prisma.sql`CASE c.status WHEN 'success' THEN ${ATTEMPT_LINES.success}
      WHEN 'failed' THEN (SELECT e."failedLine" FROM ending e WHERE e.id = c.id) ELSE ${ATTEMPT_LINES.canceled} END`)}
    SELECT i.id AS input, EXISTS (SELECT 1 FROM mine m WHERE m.id = i.id) AND NOT EXISTS (SELECT 1 FROM ending e WHERE e.id = i.id) AS retry,
      c.*, ${STEP_COLUMNS}, ${FREED_DUE_IN_MS}
    FROM input i LEFT JOIN changed c ON c.id = i.id`;
  const byInput = new Map(rows.map((row) => [row.input, row]));
  return ends.map((end) => ended(byInput.get(end.runId)!));
}

function ended(row: EndRow): EndedAttempt {
  if (row.retry) return 'retry';
  if (row.id === null) return 'not-found';
  const run = toRun(row);
  const recorded = { value: run, events: stepEvents(run, row), transitions: [{ run, from: 'started' as RunStatus, when: run.finishedAt! }] };
  return { ended: recorded, freedDueInMs: row.freedDueInMs === null ? null : Number(row.freedDueInMs) };
}
