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
