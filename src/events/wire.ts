import type { ID } from '../store/id.js';
import type { RunEvent } from '../store/types.js';

/** Names the event only, for payloads too big for the transport: receivers read it from the database. */
export interface EventRef {
  seq: bigint;
  orgId: ID;
  runId: ID;
}

export type RelayMessage = { origin: string; event: RunEvent } | { origin: string; ref: EventRef };

const BIGINT_FIELDS = new Set(['seq', 'orgId', 'taskId', 'runId']);

const bigintsAsStrings = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value);

function revive(key: string, value: unknown): unknown {
  if (BIGINT_FIELDS.has(key) && typeof value === 'string') return BigInt(value);
  if (key === 'when' && typeof value === 'string') return new Date(value);
  return value;
}

/** JSON with 64-bit numbers as decimal strings; the whole event if it fits in `maxBytes`, else a reference. */
export function encodeMessage(origin: string, event: RunEvent, maxBytes: number): string {
  const full = JSON.stringify({ origin, event }, bigintsAsStrings);
  if (Buffer.byteLength(full) <= maxBytes) return full;
  const { seq, orgId, runId } = event;
  return JSON.stringify({ origin, ref: { seq, orgId, runId } }, bigintsAsStrings);
}

export function decodeMessage(text: string): RelayMessage {
  const message = JSON.parse(text, revive) as RelayMessage;
  if (typeof message?.origin !== 'string' || !('event' in message || 'ref' in message)) {
    throw new Error('not a run event relay message');
  }
  return message;
}
