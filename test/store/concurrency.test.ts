import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '../../src/db/prisma.js';
import { InProcessEventBus } from '../../src/events/index.js';
import { createStore, MaxConcurrencyError, RunNotYetDueError, type ID, type PrismaStore } from '../../src/store/index.js';
import { script, useStore } from '../helpers/store.js';

// Scenario 29: processes sharing one database race CreateNextRun on the same due tasks. Each "process" is a
// PrismaClient of its own with its own store (and so its own ID-generator machine number).

const REPEATS = process.env.TEST_DATABASE_URL ? 20 : 3;
const TASKS = 3;
const TICKS = 8;
const CONCURRENCY = 2;
const START = 1000;
const NOW = START + TICKS;

const f = useStore();

/** Counts runs a test process holds; a lower bound of what the store counts, so it must never exceed the limit. */
class Holdings {
  private readonly held = new Map<ID, number>();
  peak = 0;

  take(taskId: ID): void {
    const now = (this.held.get(taskId) ?? 0) + 1;
    this.held.set(taskId, now);
    this.peak = Math.max(this.peak, now);
  }

  release(taskId: ID): void {
    this.held.set(taskId, this.held.get(taskId)! - 1);
  }
}

/**
 * Replays events the way a reconnecting subscriber does (seq > the last one seen) until stopped: with seq
 * handed out in commit order, it never skips an event that commits late.
 */
async function follow(orgId: ID, done: () => boolean): Promise<bigint[]> {
  const seen: bigint[] = [];
  for (let last = 0n, finished = false; !finished; ) {
    finished = done();
    const events = await f.store.listEvents({ orgId, after: last });
    seen.push(...events.map((e) => e.seq));
    last = seen.at(-1) ?? last;
  }
  return seen;
}

/** Creates and finishes runs of these tasks until none is due any more. */
async function work(store: PrismaStore, taskIds: ID[], holdings: Holdings): Promise<void> {
  const pending = new Set(taskIds);
  while (pending.size > 0) {
    for (const taskId of pending) {
      try {
        const { created } = await store.createNextRun(taskId, NOW);
        holdings.take(taskId);
        const base = { taskId, runId: created.runId, scheduledFor: created.now };
        await store.updateRunState(base, new Date(), 'started');
        await store.addRunLog(base, new Date(), `tick ${created.now}`);
        await sleep(Math.random() * 3);
        await store.updateRunState(base, new Date(), 'success');
        holdings.release(taskId);
        await store.finishRun(taskId, created.runId);
      } catch (error) {
        if (error instanceof RunNotYetDueError) pending.delete(taskId);
        else if (error instanceof MaxConcurrencyError) await sleep(1);
        else throw error;
      }
    }
  }
}

async function dueTasks(owner: { orgId: ID; userId: ID }): Promise<ID[]> {
  const fields = `name: "raced", every: 1s, concurrency: ${CONCURRENCY}`;
  const tasks = [];
  for (let i = 0; i < TASKS; i++) tasks.push(await f.store.createTask({ ...owner, script: script(fields), scheduleAfter: START }));
  return tasks.map((t) => t.id);
}

async function expectEveryTickOnce(taskId: ID): Promise<void> {
  const runs = await f.store.listRuns({ orgId: (await f.store.findTaskById(taskId)).orgId, taskId });
  expect(runs.map((r) => r.scheduledFor).sort((a, b) => a - b)).toEqual(Array.from({ length: TICKS }, (_, i) => START + 1 + i));
  expect(await f.store.findTaskMetaById(taskId)).toMatchObject({ currentlyRunning: [], latestCompleted: NOW });
}

describe.each([2, 4])('scenario 29: %i processes', (processes) => {
  const clients: PrismaClient[] = [];
  const stores: PrismaStore[] = [];
  beforeAll(async () => {
    for (let i = 0; i < processes; i++) {
      const prisma = createPrismaClient(f.db.url, 2);
      clients.push(prisma);
      stores.push(await createStore(prisma, new InProcessEventBus()));
    }
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await Promise.all(clients.map((c) => c.$disconnect()));
  });

  it('at the same moment: one run per free slot, the rest refused', async () => {
    const [taskId] = await dueTasks(await f.tenant());
    const results = await Promise.allSettled(stores.map((s) => s.createNextRun(taskId!, NOW)));
    const created = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.created.now] : []));
    expect(created.sort()).toEqual([START + 1, START + 2].slice(0, Math.min(CONCURRENCY, processes)));
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(MaxConcurrencyError);
  });

  it(`every tick exactly once, never over the limit, no deadlock, no event missed (×${REPEATS})`, async () => {
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      const owner = await f.tenant();
      const taskIds = await dueTasks(owner);
      const holdings = new Holdings();
      let finished = false;
      const followed = follow(owner.orgId, () => finished);
      await Promise.all(stores.map((store) => work(store, taskIds, holdings)));
      finished = true;
      expect(holdings.peak).toBeLessThanOrEqual(CONCURRENCY);
      const all = (await f.store.listEvents({ orgId: owner.orgId, after: 0n })).map((e) => e.seq);
      // Per run: scheduled (its creation), started, its log line, success.
      expect(all).toHaveLength(TASKS * TICKS * 4);
      expect(await followed).toEqual(all);
      for (const taskId of taskIds) await expectEveryTickOnce(taskId);
    }
  }, 120_000);
});
