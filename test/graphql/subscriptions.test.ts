import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Database } from '../../src/db/database.js';
import { schema } from '../../src/schema/index.js';
import { formatId } from '../../src/store/id.js';
import { createTestDatabase } from '../helpers/database.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { nextRun, setState, subscribeSse, subscribeWs, taskWithRun, wsClient, type Subscription } from '../helpers/subscriptions.js';
import { seedTenant, type Tenant } from '../helpers/tenant.js';

let db: Database;
let server: TestServer;
beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db);
});
afterAll(async () => {
  await server.stop();
  await db.close();
});

const STATES = `subscription ($taskId: ID, $runId: ID, $after: String) {
  runStateChanged(taskId: $taskId, runId: $runId, after: $after) { seq status when run { id status taskId } }
}`;
const LOGS = `subscription ($taskId: ID, $runId: ID, $after: String) {
  runLogAdded(taskId: $taskId, runId: $runId, after: $after) { seq runId taskId logSeq message time }
}`;

const opened: Array<Client | Subscription> = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((x) => ('dispose' in x ? x.dispose() : x.close())));
});

function client(token?: string): Client {
  const c = wsClient(server.origin, token);
  opened.push(c);
  return c;
}

async function subscribe(tenant: Tenant, query: string, variables: Record<string, unknown>): Promise<Subscription> {
  const sub = await subscribeWs(client(tenant.token), server.app.services.bus, query, variables);
  opened.push(sub);
  return sub;
}

const store = () => server.app.services.store;

describe('runStateChanged', () => {
  // Retried: a timing claim on a shared 2-core machine; a consistently slow delivery still fails all three.
  it('pushes a state change written through the LogWriter within 100 ms', { retry: 2 }, async () => {
    const tenant = await seedTenant(server.app.services.accounts);
    const warmUp = await taskWithRun(store(), tenant);
    const runs = [await nextRun(store(), warmUp)];
    while (runs.length < 5) runs.push(await nextRun(store(), runs[runs.length - 1]!));
    const sub = await subscribe(tenant, STATES, { taskId: formatId(warmUp.taskId) });
    // The first event of a process pays for JIT and query-plan warm-up; the promise is about steady state.
    await setState(store(), warmUp, 'started');
    await sub.next();

    const latencies = [];
    for (const base of runs) {
      const started = performance.now();
      await setState(store(), base, 'started');
      const { data } = await sub.next();
      latencies.push(performance.now() - started);
      expect(data!.runStateChanged).toMatchObject({ status: 'STARTED', run: { id: formatId(base.runId), status: 'STARTED', taskId: formatId(base.taskId) } });
    }
    // The median: one write stalled by another test file on this 2-core machine says nothing about delivery.
    expect(latencies.sort((a, b) => a - b)[2]).toBeLessThan(100);
  });

  it('after a reconnect with the last seq seen, pushes exactly what happened meanwhile, then live changes', async () => {
    const tenant = await seedTenant(server.app.services.accounts);
    const base = await taskWithRun(store(), tenant);
    const variables = { taskId: formatId(base.taskId) };
    const first = await subscribe(tenant, STATES, variables);
    await setState(store(), base, 'started');
    const lastSeen = (await first.next()).data!.runStateChanged.seq;
    await first.close();

    const other = await nextRun(store(), base);
    await setState(store(), base, 'success');
    await setState(store(), other, 'started');
    const resumed = await subscribe(tenant, STATES, { ...variables, after: lastSeen });
    await setState(store(), other, 'failed');

    const seen = [];
    for (let i = 0; i < 4; i++) seen.push((await resumed.next()).data!.runStateChanged);
    expect(seen.map((e) => [e.run.id, e.status])).toEqual([
      [formatId(other.runId), 'SCHEDULED'],
      [formatId(base.runId), 'SUCCESS'],
      [formatId(other.runId), 'STARTED'],
      [formatId(other.runId), 'FAILED'],
    ]);
    const seqs = seen.map((e) => BigInt(e.seq));
    expect(seqs[0]! > BigInt(lastSeen)).toBe(true);
    expect(seqs).toEqual([...seqs].sort((x, y) => (x < y ? -1 : 1)));
    await expect(resumed.next(300)).rejects.toThrow('no event within 300 ms');
  });

  it('also works over SSE with the token in the authorization header', async () => {
    const tenant = await seedTenant(server.app.services.accounts);
    const base = await taskWithRun(store(), tenant);
    const sub = await subscribeSse(server.origin, tenant.token, STATES, { runId: formatId(base.runId), after: '0' });
    opened.push(sub);
    await setState(store(), base, 'started');
    expect((await sub.next()).data!.runStateChanged).toMatchObject({ status: 'SCHEDULED', run: { id: formatId(base.runId) } });
    expect((await sub.next()).data!.runStateChanged).toMatchObject({ status: 'STARTED', run: { id: formatId(base.runId) } });
  });
});

describe('runLogAdded', () => {
  it('pushes a run\'s log lines in order', async () => {
    const tenant = await seedTenant(server.app.services.accounts);
    const base = await taskWithRun(store(), tenant);
    const sub = await subscribe(tenant, LOGS, { runId: formatId(base.runId) });
    const lines = ['one', 'two', 'three', 'four'];
    for (const line of lines) await store().addRunLog(base, new Date(), line);
    const seen = [];
    for (const _ of lines) seen.push((await sub.next()).data!.runLogAdded);
    expect(seen.map((e) => [e.logSeq, e.message])).toEqual(lines.map((line, i) => [i + 1, line]));
    expect(seen[0]).toMatchObject({ runId: formatId(base.runId), taskId: formatId(base.taskId) });
  });
});

describe('tenancy', () => {
  it('refuses another org\'s task as not found, and never shows another org\'s events', async () => {
    const [a, b] = await Promise.all([seedTenant(server.app.services.accounts), seedTenant(server.app.services.accounts)]);
    const baseA = await taskWithRun(store(), a);
    const baseB = await taskWithRun(store(), b);

    const refused = await client(b.token).iterate({ query: STATES, variables: { taskId: formatId(baseA.taskId) } }).next();
    expect(refused.value).toMatchObject({ errors: [{ message: 'task not found', extensions: { code: 'NOT_FOUND' } }] });

    const ofA = await subscribe(a, STATES, { taskId: formatId(baseA.taskId) });
    const allOfB = await subscribe(b, STATES, { after: '0' });
    await setState(store(), baseA, 'started');
    await setState(store(), baseB, 'started');
    expect((await ofA.next()).data!.runStateChanged.run.id).toBe(formatId(baseA.runId));
    for (const status of ['SCHEDULED', 'STARTED']) {
      expect((await allOfB.next()).data!.runStateChanged).toMatchObject({ status, run: { id: formatId(baseB.runId) } });
    }
    await expect(allOfB.next(300)).rejects.toThrow('no event within 300 ms');
  });

  it('needs read:tasks', async () => {
    const tenant = await seedTenant(server.app.services.accounts, ['execute:runs']);
    const result = await client(tenant.token).iterate({ query: STATES, variables: {} }).next();
    expect(result.value.errors?.[0]?.message).toMatch(/^forbidden/);
  });
});

describe('shared execution', () => {
  /** Counts calls of the runStateChanged field's resolver: one per execution of an event. */
  function countExecutions(): { count: number; restore(): void } {
    const field = schema.getSubscriptionType()!.getFields().runStateChanged!;
    const original = field.resolve!;
    const counter = { count: 0, restore: () => void (field.resolve = original) };
    field.resolve = (...args) => {
      counter.count++;
      return original(...args);
    };
    return counter;
  }

  it('executes an event once for many identical subscribers of an org, each still getting it, and no other org\'s', async () => {
    const [a, b] = await Promise.all([seedTenant(server.app.services.accounts), seedTenant(server.app.services.accounts)]);
    const baseA = await taskWithRun(store(), a);
    const baseB = await taskWithRun(store(), b);
    const ofA = [];
    const ofB = [];
    for (let i = 0; i < 5; i++) ofA.push(await subscribe(a, STATES, {}));
    for (let i = 0; i < 5; i++) ofB.push(await subscribe(b, STATES, {}));
    const ofTaskA = await subscribe(a, STATES, { taskId: formatId(baseA.taskId) }); // other variables: a group of its own
    const executions = countExecutions();
    try {
      await setState(store(), baseA, 'started');
      await setState(store(), baseB, 'started');
      const expected = (base: typeof baseA) => ({ status: 'STARTED', run: { id: formatId(base.runId), status: 'STARTED', taskId: formatId(base.taskId) } });
      for (const sub of [...ofA, ofTaskA]) expect((await sub.next()).data!.runStateChanged).toMatchObject(expected(baseA));
      for (const sub of ofB) expect((await sub.next()).data!.runStateChanged).toMatchObject(expected(baseB));
      // A's event for its two groups, B's for its one: 3 executions for 11 deliveries.
      expect(executions.count).toBe(3);
    } finally {
      executions.restore();
    }
    await Promise.all([...ofA, ...ofB].map((sub) => expect(sub.next(200)).rejects.toThrow('no event within 200 ms')));
  });

  it('still executes replayed events per subscriber, with no gap or duplicate at the switch to live', async () => {
    const tenant = await seedTenant(server.app.services.accounts);
    const base = await taskWithRun(store(), tenant);
    await setState(store(), base, 'started');
    const live = await subscribe(tenant, STATES, {});
    const replaying = await subscribe(tenant, STATES, { after: '0' });
    await setState(store(), base, 'success');
    expect((await live.next()).data!.runStateChanged.status).toBe('SUCCESS');
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push((await replaying.next()).data!.runStateChanged.status);
    expect(seen).toEqual(['SCHEDULED', 'STARTED', 'SUCCESS']);
    await expect(replaying.next(200)).rejects.toThrow('no event within 200 ms');
  });
});

describe('WebSocket authentication', () => {
  async function closeCode(connectionParams: Record<string, string>): Promise<number> {
    const ws = new WebSocket(`${server.origin.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    ws.onopen = () => ws.send(JSON.stringify({ type: 'connection_init', payload: connectionParams }));
    return new Promise((resolve) => (ws.onclose = (event) => resolve(event.code)));
  }

  it('closes 4401 without a token and 4403 with a bad one', async () => {
    expect(await closeCode({})).toBe(4401);
    expect(await closeCode({ authorization: 'Bearer not-a-token' })).toBe(4403);
  });
});
