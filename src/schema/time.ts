import { ValidationError } from '../store/errors.js';

/** Store schedule times are whole Unix seconds; the API shows Dates. */
export function fromUnix(seconds: bigint | number): Date {
  return new Date(Number(seconds) * 1000);
}

export function toUnix(date: Date): number {
  if (date.getTime() % 1000 !== 0) throw new ValidationError(`times must be whole seconds, got ${date.toISOString()}`);
  return date.getTime() / 1000;
}

export function nowUnix(): number {
  return Math.floor(Date.now() / 1000);
}

/** Prisma filter for exclusive bounds on a run's scheduledFor. */
export function scheduledForBetween(afterTime?: Date | null, beforeTime?: Date | null) {
  return {
    ...(afterTime ? { gt: BigInt(Math.floor(afterTime.getTime() / 1000)) } : {}),
    ...(beforeTime ? { lt: BigInt(Math.ceil(beforeTime.getTime() / 1000)) } : {}),
  };
}
