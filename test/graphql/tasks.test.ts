import { describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/server.js';
import { seedTenant, type Tenant } from '../helpers/tenant.js';

const env = useTestServer();

const TASK_FIELDS = 'id orgId ownerId name script status every cron offset concurrency retry timezone catchup timeout latestCompleted nextRunAt';

const CREATE = `mutation ($script: String!, $status: TaskStatus) {
  createTask(input: { script: $script, status: $status }) {
    __typename
    ... on CreateTaskSuccess { data { ${TASK_FIELDS} meta { maxConcurrency effectiveCron offset status } } }
    ... on Error { message }
  }
}`;

async function as(tenant: Tenant, query: string, variables?: Record<string, unknown>) {
  const res = await env.server.graphql(query, variables, tenant.headers);
  expect(res.body.errors).toBeUndefined();
  return res.body.data;
}

async function createTask(tenant: Tenant, script: string) {
  const data = await as(tenant, CREATE, { script });
  expect(data.createTask.__typename).toBe('CreateTaskSuccess');
  return data.createTask.data;
}

const script = (options: string, body = 'echo hello') => `option task = {${options}}\n\n${body}\n`;

describe('tasks over GraphQL', () => {
  it('creates a task and shows its options and meta', async () => {
    const tenant = await seedTenant(env.server.app.services.accounts);
    const task = await createTask(tenant, script('name: "rollup", every: 1h, offset: -1m, concurrency: 2, retry: 3'));
    expect(task).toMatchObject({
      orgId: tenant.hex.orgId,
      ownerId: tenant.hex.userId,
      name: 'rollup',
      status: 'ACTIVE',
      every: '1h0m0s',
      cron: null,
      offset: '-1m0s',
      concurrency: 2,
      retry: 3,
      timezone: 'UTC',
      catchup: 'ALL',
      timeout: null,
      meta: { maxConcurrency: 2, effectiveCron: '@every 1h0m0s', offset: '-1m0s', status: 'ACTIVE' },
    });
    expect(task.id).toMatch(/^[0-9a-f]{16}$/);
    const nextRun = Date.parse(task.nextRunAt);
    expect(nextRun % 3_600_000).toBe(3_600_000 - 60_000);
    expect(nextRun).toBeGreaterThan(Date.now() - 60_000);
  });

  it('returns the exact validation text as a ValidationError', async () => {
    const tenant = await seedTenant(env.server.app.services.accounts);
    const data = await as(tenant, CREATE, { script: script('every: 1m') });
    expect(data.createTask).toEqual({ __typename: 'ValidationError', message: 'missing name in task options' });
    const both = await as(tenant, CREATE, { script: script('name: "x", every: 1m, cron: "* * * * *"') });
    expect(both.createTask.message).toBe('cannot use both cron and every in task options');
  });

  it('lists the org\'s tasks with cursor paging', async () => {
    const tenant = await seedTenant(env.server.app.services.accounts);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createTask(tenant, script(`name: "t${i}", every: 1m`))).id);
    const page = `query ($after: String) { tasks(first: 2, after: $after) {
      edges { cursor node { id name } } pageInfo { hasNextPage endCursor } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { tasks } = await as(tenant, page, { after });
      seen.push(...tasks.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!tasks.pageInfo.hasNextPage) break;
      after = tasks.pageInfo.endCursor;
    }
    expect(seen).toEqual(ids);
    const filtered = await as(tenant, '{ tasks(name: "t3") { edges { node { id } } } }');
    expect(filtered.tasks.edges).toEqual([{ node: { id: ids[3] } }]);
  });

  it('updates by script, by status and by option override, returning the old script and status', async () => {
    const tenant = await seedTenant(env.server.app.services.accounts);
    const original = script('name: "a", cron: "* * * * *"', '// keep me\nfrom(bucket: "b")');
    const task = await createTask(tenant, original);
    const update = `mutation ($input: UpdateTaskInput!) { updateTask(input: $input) {
      __typename
      ... on UpdateTaskSuccess { data { oldScript oldStatus task { name script status every cron } meta { effectiveCron status } } }
      ... on Error { message } } }`;

    const bySatus = await as(tenant, update, { input: { id: task.id, status: 'INACTIVE' } });
    expect(bySatus.updateTask.data).toMatchObject({ oldScript: original, oldStatus: 'ACTIVE', task: { status: 'INACTIVE', script: original } });

    const override = await as(tenant, update, { input: { id: task.id, every: '30m' } });
    const rewritten = override.updateTask.data.task;
    expect(rewritten).toMatchObject({ every: '30m0s', cron: null });
    expect(rewritten.script).toContain('every: 30m');
    expect(rewritten.script).not.toContain('cron');
    expect(rewritten.script.endsWith('\n\n// keep me\nfrom(bucket: "b")\n')).toBe(true);
    expect(override.updateTask.data.meta).toEqual({ effectiveCron: '@every 30m0s', status: 'INACTIVE' });

    const next = script('name: "b", every: 5s');
    const byScript = await as(tenant, update, { input: { id: task.id, script: next, status: 'ACTIVE' } });
    expect(byScript.updateTask.data).toMatchObject({ oldScript: rewritten.script, oldStatus: 'INACTIVE', task: { name: 'b', script: next, status: 'ACTIVE' } });

    const nothing = await as(tenant, update, { input: { id: task.id } });
    expect(nothing.updateTask.__typename).toBe('ValidationError');
    expect(nothing.updateTask.message).toBe('missing required fields to modify task: script or status');
  });

  it('deletes a task, then reports it not found', async () => {
    const tenant = await seedTenant(env.server.app.services.accounts);
    const task = await createTask(tenant, script('name: "gone", every: 1m'));
    const del = 'mutation ($id: ID!) { deleteTask(id: $id) { __typename ... on DeleteTaskSuccess { data } ... on Error { message } } }';
    expect((await as(tenant, del, { id: task.id })).deleteTask).toEqual({ __typename: 'DeleteTaskSuccess', data: task.id });
    expect((await as(tenant, del, { id: task.id })).deleteTask).toEqual({ __typename: 'NotFoundError', message: 'task not found' });
    expect((await as(tenant, 'query ($id: ID!) { task(id: $id) { id } }', { id: task.id })).task).toBeNull();
    const bad = await as(tenant, del, { id: 'xyz' });
    expect(bad.deleteTask).toEqual({ __typename: 'ValidationError', message: 'id must have a length of 16 bytes' });
  });

  it('previews the next schedule times of a script', async () => {
    const tenant = await seedTenant(env.server.app.services.accounts);
    const data = await as(tenant, `{ nextRuns(script: ${JSON.stringify(script('name: "n", cron: "0 2 * * *", timezone: "Europe/Berlin"'))}, count: 2, after: "2026-03-28T12:00:00Z") }`);
    expect(data.nextRuns).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:00:00.000Z']);
  });
});

describe('manual runs over GraphQL', () => {
  const RANGE = `mutation ($input: ManuallyRunTimeRangeInput!) { manuallyRunTimeRange(input: $input) {
    __typename
    ... on ManuallyRunTimeRangeSuccess { data { taskId start end requestedAt runId } }
    ... on RequestStillQueuedError { message start end }
    ... on Error { message } } }`;

  it('queues a time range, refuses the same range twice and a 33rd request', async () => {
    const tenant = await seedTenant(env.server.app.services.accounts);
    const task = await createTask(tenant, script('name: "m", cron: "* * * * *"'));
    const range = (start: string, end: string) => as(tenant, RANGE, { input: { taskId: task.id, start, end } });

    const queued = (await range('2026-01-01T00:00:00Z', '2026-01-01T00:10:00Z')).manuallyRunTimeRange;
    expect(queued).toMatchObject({
      __typename: 'ManuallyRunTimeRangeSuccess',
      data: { taskId: task.id, start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T00:10:00.000Z', runId: null },
    });

    const again = (await range('2026-01-01T00:00:00Z', '2026-01-01T00:10:00Z')).manuallyRunTimeRange;
    expect(again).toEqual({
      __typename: 'RequestStillQueuedError',
      message: 'previous retry for start=2026-01-01T00:00:00Z end=2026-01-01T00:10:00Z has not yet finished',
      start: '2026-01-01T00:00:00.000Z',
      end: '2026-01-01T00:10:00.000Z',
    });

    for (let minute = 1; minute < 32; minute++) {
      const at = `2026-02-01T00:${String(minute).padStart(2, '0')}:00Z`;
      expect((await range(at, at)).manuallyRunTimeRange.__typename).toBe('ManuallyRunTimeRangeSuccess');
    }
    const full = (await range('2026-04-01T00:00:00Z', '2026-04-01T00:00:00Z')).manuallyRunTimeRange;
    expect(full).toEqual({ __typename: 'ManualQueueFullError', message: 'manual queue at capacity' });
    const meta = await as(tenant, 'query ($id: ID!) { task(id: $id) { meta { manualRuns { start } } } }', { id: task.id });
    expect(meta.task.meta.manualRuns).toHaveLength(32);
  });

  it('force-runs at an exact time with a pre-assigned run ID, and refuses to retry a run still in progress', async () => {
    const tenant = await seedTenant(env.server.app.services.accounts);
    const task = await createTask(tenant, script('name: "f", cron: "0 0 * * *"'));
    const force = `mutation ($id: ID!, $at: DateTime) { forceRun(taskId: $id, scheduledFor: $at) {
      __typename ... on ForceRunSuccess { data { start end runId } } ... on Error { message } } }`;
    const forced = (await as(tenant, force, { id: task.id, at: '2026-05-05T05:05:05Z' })).forceRun;
    expect(forced.data).toMatchObject({ start: '2026-05-05T05:05:05.000Z', end: '2026-05-05T05:05:05.000Z' });
    expect(forced.data.runId).toMatch(/^[0-9a-f]{16}$/);

    const created = await env.server.app.services.store.createNextRun(BigInt(`0x${task.id}`), Math.floor(Date.now() / 1000));
    expect(created.created.now).toBe(Date.parse('2026-05-05T05:05:05Z') / 1000);
    const run = await as(tenant, 'query ($id: ID!) { run(id: $id) { id status scheduledFor trigger task { id } } }', { id: forced.data.runId });
    expect(run.run).toEqual({ id: forced.data.runId, status: 'SCHEDULED', scheduledFor: '2026-05-05T05:05:05.000Z', trigger: 'MANUAL', task: { id: task.id } });

    const retry = 'mutation ($id: ID!) { retryRun(runId: $id) { __typename ... on Error { message } } }';
    expect((await as(tenant, retry, { id: forced.data.runId })).retryRun).toEqual({ __typename: 'RunNotFinishedError', message: 'run is still in progress' });
  });
});

describe('skipped occurrences over GraphQL', () => {
  it('lists the ticks that catch-up LATEST passed over, newest first', async () => {
    const tenant = await seedTenant(env.server.app.services.accounts);
    const { store } = env.server.app.services;
    const now = Math.floor(Date.now() / 60_000) * 60;
    const task = await store.createTask({
      orgId: tenant.orgId,
      userId: tenant.userId,
      script: script('name: "late", every: 1m, catchup: "latest"'),
      scheduleAfter: now - 4 * 60,
    });
    const { created } = await store.createNextRun(task.id, now);
    expect(created.now).toBe(now);
    const data = await as(tenant, 'query ($id: ID!) { task(id: $id) { skipped { edges { node { scheduledFor reason } } } } }', {
      id: task.id.toString(16).padStart(16, '0'),
    });
    const skipped = data.task.skipped.edges.map((e: { node: { scheduledFor: string } }) => Date.parse(e.node.scheduledFor) / 1000);
    expect(skipped).toEqual([now - 60, now - 120, now - 180]);
    expect(data.task.skipped.edges[0].node.reason).toBeTruthy();
  });
});
