import { describe, expect, it, vi } from 'vitest';
import { InProcessEventBus } from '../../src/events/bus.js';
import { EventRelay, fanOut, type RelayTransport } from '../../src/events/relay.js';
import { decodeMessage, encodeMessage } from '../../src/events/wire.js';
import { createLogger } from '../../src/server/logger.js';
import type { RunEvent } from '../../src/store/types.js';
import { fakeEvents, stateEvent } from './fixtures.js';

const log = createLogger('silent');

/** Every transport opened on it hears every payload sent by any of them, as a shared channel does. */
function channel(maxPayloadBytes = 7999) {
  const listeners: Array<(payload: string) => void> = [];
  const open = (): RelayTransport => ({
    maxPayloadBytes,
    send: async (payloads) => payloads.forEach((payload) => listeners.forEach((listener) => listener(payload))),
    listen: async (onPayload) => void listeners.push(onPayload),
    close: async () => {},
  });
  return { open, inject: (payload: string) => listeners.forEach((listener) => listener(payload)) };
}

function received(bus: InProcessEventBus): RunEvent[] {
  const events: RunEvent[] = [];
  bus.subscribe((event) => events.push(event));
  return events;
}

const logEvent = (seq: bigint, message: string): RunEvent => ({ ...stateEvent(seq), kind: 'log', logSeq: 1, message });

describe('wire format', () => {
  it('round-trips both kinds with 64-bit numbers as decimal strings', () => {
    const big = { ...stateEvent(2n ** 62n), orgId: 2n ** 63n - 1n };
    const text = encodeMessage('me', big, 7999);
    expect(text).toContain(`"seq":"${2n ** 62n}"`);
    expect(decodeMessage(text)).toEqual({ origin: 'me', event: big });
    expect(decodeMessage(encodeMessage('me', logEvent(3n, 'ü'), 7999))).toEqual({ origin: 'me', event: logEvent(3n, 'ü') });
  });

  it('names the event instead when it does not fit', () => {
    const text = encodeMessage('me', logEvent(7n, 'x'.repeat(8000)), 7999);
    expect(Buffer.byteLength(text)).toBeLessThan(200);
    expect(decodeMessage(text)).toEqual({ origin: 'me', ref: { seq: 7n, orgId: 1n, runId: 100n } });
  });

  it('refuses a payload that is not a relay message', () => {
    expect(() => decodeMessage('{"hello":1}')).toThrow('not a run event relay message');
  });
});

describe('EventRelay', () => {
  it('sends what is published while a send is on its way in one later send, in order', async () => {
    const sends: string[][] = [];
    let release = () => {};
    const slow: RelayTransport = {
      maxPayloadBytes: 7999,
      send: (payloads) => {
        sends.push(payloads);
        return sends.length === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
      },
      listen: async () => {},
      close: async () => {},
    };
    const relay = new EventRelay(slow, log);
    relay.publish([stateEvent(1n)]);
    await vi.waitFor(() => expect(sends).toHaveLength(1));
    for (const seq of [2n, 3n, 4n]) relay.publish([stateEvent(seq)]);
    release();
    await relay.close();
    expect(sends.map((batch) => batch.map((payload) => (decodeMessage(payload) as { event: RunEvent }).event.seq))).toEqual([[1n], [2n, 3n, 4n]]);
  });

  it('hands other processes\' events to the local bus, in order, and ignores its own', async () => {
    const shared = channel();
    const [busA, busB] = [new InProcessEventBus(), new InProcessEventBus()];
    const [a, b] = [new EventRelay(shared.open(), log), new EventRelay(shared.open(), log)];
    await a.start(busA, fakeEvents([]));
    await b.start(busB, fakeEvents([]));
    const [onA, onB] = [received(busA), received(busB)];
    fanOut(busA, a).publish([stateEvent(1n), stateEvent(2n)]);
    await vi.waitFor(() => expect(onB.map((e) => e.seq)).toEqual([1n, 2n]));
    expect(onA.map((e) => e.seq)).toEqual([1n, 2n]); // from the local bus only, not echoed back
    await Promise.all([a.close(), b.close()]);
  });

  it('reads an event too big for the transport from the database', async () => {
    const shared = channel(300);
    const big = logEvent(9n, 'y'.repeat(1000));
    const [a, b] = [new EventRelay(shared.open(), log), new EventRelay(shared.open(), log)];
    const bus = new InProcessEventBus();
    await b.start(bus, fakeEvents([logEvent(8n, 'before'), big, logEvent(10n, 'after')]));
    const onB = received(bus);
    a.publish([big]);
    await vi.waitFor(() => expect(onB).toEqual([big]));
  });

  it('drops a malformed payload and keeps relaying', async () => {
    const shared = channel();
    const [a, b] = [new EventRelay(shared.open(), log), new EventRelay(shared.open(), log)];
    const bus = new InProcessEventBus();
    await b.start(bus, fakeEvents([]));
    const onB = received(bus);
    shared.inject('not json');
    a.publish([stateEvent(4n)]);
    await vi.waitFor(() => expect(onB.map((e) => e.seq)).toEqual([4n]));
  });
});
