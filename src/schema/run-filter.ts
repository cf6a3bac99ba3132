import type { Prisma } from '../generated/prisma/client.js';
import type { RunStatus } from '../store/types.js';
import { builder } from './builder.js';
import { RunStatusEnum } from './enums.js';

// What Query.runs and Task.runs share: the filter arguments, their Prisma filter and the order.

export const runFilterArgs = builder.args((t) => ({
  status: t.field({ type: RunStatusEnum, required: false }),
  afterTime: t.field({ type: 'DateTime', required: false, description: 'Exclusive lower bound on scheduledFor.' }),
  beforeTime: t.field({ type: 'DateTime', required: false, description: 'Exclusive upper bound on scheduledFor.' }),
}));

interface RunFilter {
  status?: RunStatus | null;
  afterTime?: Date | null;
  beforeTime?: Date | null;
}

export function runWhere({ status, afterTime, beforeTime }: RunFilter): Prisma.RunWhereInput {
  return {
    ...(status ? { status } : {}),
    scheduledFor: {
      ...(afterTime ? { gt: BigInt(Math.floor(afterTime.getTime() / 1000)) } : {}),
      ...(beforeTime ? { lt: BigInt(Math.ceil(beforeTime.getTime() / 1000)) } : {}),
    },
  };
}

/** Newest schedule time first; the ID breaks ties so pages are stable. */
export const NEWEST_FIRST: Prisma.RunOrderByWithRelationInput[] = [{ scheduledFor: 'desc' }, { id: 'desc' }];
