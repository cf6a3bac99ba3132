import { setTimeout as sleep } from 'node:timers/promises';
import type { PrismaClient } from '../../db/prisma.js';
import { Prisma } from '../../generated/prisma/client.js';

export type Tx = Prisma.TransactionClient;
/** Something that runs one statement: the Prisma client or a transaction. */
export type Queryable = Pick<Tx, '$queryRaw' | '$executeRaw'>;

const MAX_ATTEMPTS = 8;
const RETRYABLE_CODES = new Set(['40001', '40P01']); // serialization failure, deadlock
export const NATURAL_RUN_INDEX = 'Run_natural_taskId_scheduledFor_key';
const LOG_LINE_INDEX = 'RunLog_runId_seq_key';

interface DriverCause {
  originalCode?: string;
  constraint?: { index?: string };
}

/** The Postgres error under a Prisma error: adapter-pg puts it in meta.driverAdapterError.cause. */
function driverCause(error: unknown): DriverCause | undefined {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return undefined;
  const adapterError = error.meta?.['driverAdapterError'] as { cause?: DriverCause } | undefined;
  return adapterError?.cause;
}

/**
 * Worth running again from the start: a serialization failure or deadlock, or a natural run or log line
 * that a racing transaction inserted first (the re-run sees it and answers from the new state; a statement
 * that waited for a run's lock numbers its line from a snapshot taken before the wait).
 */
function isRetryable(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2034') return true;
  const cause = driverCause(error);
  if (cause?.originalCode !== undefined && RETRYABLE_CODES.has(cause.originalCode)) return true;
  const index = cause?.constraint?.index;
  return cause?.originalCode === '23505' && (index === NATURAL_RUN_INDEX || index === LOG_LINE_INDEX);
}

/** `work` again (a few times, with jittered backoff) while Postgres asks for it: serialization failure, deadlock. */
export async function retrying<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
      await sleep(Math.random() * 5 * 2 ** attempt);
    }
  }
}

/** One interactive transaction, run again when Postgres asks for it. */
export function transact<T>(prisma: PrismaClient, work: (tx: Tx) => Promise<T>, isolationLevel?: Prisma.TransactionIsolationLevel): Promise<T> {
  return retrying(() => prisma.$transaction(work, isolationLevel ? { isolationLevel } : undefined));
}

/** A consistent snapshot for multi-query reads; read-only repeatable-read transactions never fail to serialize. */
export function snapshot<T>(prisma: PrismaClient, work: (tx: Tx) => Promise<T>): Promise<T> {
  return transact(prisma, work, Prisma.TransactionIsolationLevel.RepeatableRead);
}

/**
 * At most `size` operations at a time, the rest wait in FIFO order. A burst of operations then queues here
 * instead of in the connection pool, whose wait for a free connection times out.
 */
export class Slots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active < this.size) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes straight on
      else this.active--;
    }
  }
}
