import { describe, expect, it } from 'vitest';
import { InProcessEventBus } from '../../src/events/bus.js';
import { MAX_BACKLOG, runEventStream, SubscriberTooSlowError, type RunEventFilter } from '../../src/events/stream.js';
import type { RunEvent } from '../../src/store/types.js';
import { fakeEvents, stateEvent } from './fixtures.js';

const ORG = 1n;

function stream(bus: InProcessEventBus, stored: RunEvent[], filter: Partial<RunEventFilter> = {}, after?: bigint) {
  const reader = fakeEvents(stored);
  const it = runEventStream({ bus, reader, orgId: ORG, filter: { kind: 'state', ...filter }, after })[Symbol.asyncIterator]();
  return { it, reader };
}

async function take(it: AsyncIterator<RunEvent>, n: number): Promise<bigint[]> {
  const seqs: bigint[] = [];
  while (seqs.length < n) seqs.push((await it.next()).value.seq);
  return seqs;
}

describe('runEventStream', () => {
  it('without after, delivers only live events of the caller\'s org, kind, task and run', async () => {
    const bus = new InProcessEventBus();
    const { it } = stream(bus, [stateEvent(1n)], { taskId: 10n, runId: 100n });
    const first = it.next();
    await Promise.resolve();
    bus.publish([
      stateEvent(2n, { orgId: 2n }),
      stateEvent(3n, { taskId: 11n }),
      stateEvent(4n, { runId: 101n }),
      { ...stateEvent(5n), kind: 'log', logSeq: 1, message: 'hi' },
      stateEvent(6n),
    ]);
    expect((await first).value.seq).toBe(6n);
    await it.return!();
  });

  it('with after, replays stored events page by page, then buffered and live ones without gap or duplicate', async () => {
    const bus = new InProcessEventBus();
    const stored = Array.from({ length: 1200 }, (_, i) => stateEvent(BigInt(i + 1)));
    const { it, reader } = stream(bus, stored, {}, 5n);
    reader.onRead = (page) => {
      // Committed while the replay runs: both already stored and published live.
      if (page === 1) {
        const late = [stateEvent(1201n), stateEvent(1202n)];
        stored.push(...late);
        bus.publish(late);
      }
    };
    const replayed = await take(it, 1197);
    expect(replayed).toEqual(Array.from({ length: 1197 }, (_, i) => BigInt(i + 6)));
    expect(reader.pages).toBeGreaterThan(2);
    bus.publish([stateEvent(1203n)]);
    expect(await take(it, 1)).toEqual([1203n]);
    await it.return!();
    expect(bus.size).toBe(0);
  });

  it('unsubscribes when the consumer returns while waiting for an event', async () => {
    const bus = new InProcessEventBus();
    const { it } = stream(bus, []);
    const pending = it.next();
    await Promise.resolve();
    expect(bus.size).toBe(1);
    await it.return!();
    expect((await pending).done).toBe(true);
    expect(bus.size).toBe(0);
  });

  it('fails and unsubscribes when the replay cannot be read', async () => {
    const bus = new InProcessEventBus();
    const reader = { listEvents: () => Promise.reject(new Error('database gone')) };
    const it = runEventStream({ bus, reader, orgId: ORG, filter: { kind: 'state' }, after: 0n })[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toThrow('database gone');
    expect(bus.size).toBe(0);
  });

  it('keeps a subscriber that stays a few events behind for good, in order and without growing', async () => {
    const bus = new InProcessEventBus();
    const { it } = stream(bus, []);
    const first = it.next();
    await Promise.resolve();
    bus.publish([stateEvent(1n), stateEvent(2n)]);
    const seqs = [(await first).value.seq];
    for (let seq = 3n; seq <= 5_000n; seq++) {
      bus.publish([stateEvent(seq)]);
      seqs.push((await it.next()).value.seq);
    }
    expect(seqs).toEqual(Array.from({ length: 4_999 }, (_, i) => BigInt(i + 1)));
    expect((it as unknown as { queue: unknown[] }).queue.length).toBeLessThan(1_100);
    await it.return!();
  });

  it('cuts off a subscriber that falls too far behind, naming where to resume', async () => {
    const bus = new InProcessEventBus();
    const { it } = stream(bus, []);
    const first = it.next();
    await Promise.resolve();
    bus.publish(Array.from({ length: MAX_BACKLOG + 2 }, (_, i) => stateEvent(BigInt(i + 1))));
    expect((await first).value.seq).toBe(1n);
    const seqs: bigint[] = [];
    const error = await (async () => {
      for (;;) seqs.push((await it.next()).value.seq);
    })().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SubscriberTooSlowError);
    expect(bus.size).toBe(0);
    // What was queued still arrives, and the resume point is the last of it: no gap.
    expect(seqs).toHaveLength(MAX_BACKLOG);
    expect((error as SubscriberTooSlowError).lastSeq).toBe(seqs[seqs.length - 1]);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });
});
