import { InvalidIdError } from './errors.js';

/** IDs are non-zero unsigned 64-bit integers shown as exactly 16 lowercase hex digits. */
export type ID = bigint;

export function formatId(id: ID): string {
  return id.toString(16).padStart(16, '0');
}

export function parseId(text: string): ID {
  if (text.length !== 16) throw new InvalidIdError('id must have a length of 16 bytes');
  if (!/^[0-9a-fA-F]{16}$/.test(text)) throw new InvalidIdError('invalid ID');
  const id = BigInt(`0x${text}`);
  if (id === 0n) throw new InvalidIdError('invalid ID');
  return id;
}

// Snowflake layout inside Postgres's signed BIGINT: 41 bits of milliseconds since EPOCH_MS, 10 bits of
// machine number (from the database, unique per process), 12 bits of sequence within the millisecond.
const EPOCH_MS = 1_735_689_600_000n; // 2025-01-01T00:00:00Z
const MACHINE_BITS = 10n;
const SEQUENCE_BITS = 12n;
const MAX_SEQUENCE = (1n << SEQUENCE_BITS) - 1n;

/** Time-ordered, unique across processes that took distinct machine numbers. */
export class IdGenerator {
  private lastMs = 0n;
  private sequence = 0n;

  constructor(private readonly machine: number) {
    if (!Number.isInteger(machine) || machine < 0 || machine >= 1 << Number(MACHINE_BITS)) {
      throw new RangeError(`machine number must be 0..1023, got ${machine}`);
    }
  }

  next(): ID {
    let now = BigInt(Date.now());
    if (now < this.lastMs) now = this.lastMs; // the clock stepped back: keep counting in the last millisecond
    if (now === this.lastMs) {
      this.sequence = (this.sequence + 1n) & MAX_SEQUENCE;
      if (this.sequence === 0n) now = this.waitNextMs(now);
    } else {
      this.sequence = 0n;
    }
    this.lastMs = now;
    return ((now - EPOCH_MS) << (MACHINE_BITS + SEQUENCE_BITS)) | (BigInt(this.machine) << SEQUENCE_BITS) | this.sequence;
  }

  private waitNextMs(ms: bigint): bigint {
    let now = BigInt(Date.now());
    while (now <= ms) now = BigInt(Date.now());
    return now;
  }
}
