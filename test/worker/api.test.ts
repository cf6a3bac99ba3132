import { describe, expect, it } from 'vitest';
import { WorkerApiError, type WorkerClient } from '../../src/worker/client.js';
import { useScheduler } from '../helpers/scheduler.js';
import { seedTenant, type Tenant } from '../helpers/tenant.js';
import { forceRun, readRun, runReaches, taskOnQueue, uniqueQueue, waitFor, workerClient } from '../helpers/worker.js';

const env = useScheduler({ leaseMs: 3_000 });

async function tenantWithWorker(): Promise<{ tenant: Tenant; worker: WorkerClient; token: string }> {
  const tenant = await seedTenant(env.server.app.services.accounts);
  const token = await tenant.tokenWith(['execute:runs']);
  return { tenant, worker: workerClient(env.server, token), token };
}

/** Claims until a run comes (the scheduler creates forced runs at once, but asynchronously). */
function claimOne(worker: WorkerClient, queue: string, leaseSeconds = 30) {
  return waitFor(async () => (await worker.claimRuns(queue, 1, leaseSeconds))[0], 10_000, `a run on ${queue}`);
}

async function apiError(promise: Promise<unknown>): Promise<WorkerApiError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkerApiError);
  return err as WorkerApiError;
}

describe('worker mutations (scenario 7)', () => {
  it('claims a run of its queue, sends log lines and finishes it', async () => {
    const { tenant, worker } = await tenantWithWorker();
    const queue = uniqueQueue();
    const taskId = await taskOnQueue(env.server, tenant, queue, '', 'echo from the script');
    const runId = await forceRun(env.server, tenant, taskId, '2026-01-02T03:04:05Z');

    const claimed = await claimOne(worker, queue);
    expect(claimed).toMatchObject({ id: runId, taskId, scheduledFor: '2026-01-02T03:04:05.000Z', try: 1, deadline: null, timeout: null });
    expect(claimed.script).toContain('echo from the script');
    expect(Date.parse(claimed.leaseExpiresAt)).toBeGreaterThan(Date.now() + 20_000);
    expect((await readRun(env.server, tenant, runId)).status).toBe('STARTED');

    const lease = await worker.heartbeat(runId, 30);
    expect(lease.cancelRequested).toBe(false);
    await worker.addRunLog(runId, 'line one');
    await worker.addRunLog(runId, 'line two');
    await worker.finishRun(runId, 'SUCCESS');

    expect(await readRun(env.server, tenant, runId)).toEqual({
      status: 'SUCCESS',
      try: 1,
      error: null,
      logs: ['Started', 'line one', 'line two', 'Completed successfully'],
    });
    expect(await worker.claimRuns(queue, 5, 30)).toEqual([]);
  });

  it('returns the finished run from finishRun and applies the retry rule to FAILED', async () => {
    const { tenant, token } = await tenantWithWorker();
    const queue = uniqueQueue();
    const taskId = await taskOnQueue(env.server, tenant, queue, ', retry: 2');
    const runId = await forceRun(env.server, tenant, taskId);
    const finish = `mutation ($id: ID!) { finishRun(runId: $id, outcome: FAILED, error: "boom") {
      __typename ... on FinishRunSuccess { data { id status try error } } ... on Error { message } } }`;
    const worker = workerClient(env.server, token);

    await claimOne(worker, queue);
    const first = await env.server.graphql(finish, { id: runId }, { authorization: `Bearer ${token}` });
    expect(first.body.data.finishRun).toEqual({ __typename: 'FinishRunSuccess', data: { id: runId, status: 'SCHEDULED', try: 2, error: 'boom' } });

    const retried = await claimOne(worker, queue);
    expect(retried).toMatchObject({ id: runId, try: 2 });
    await worker.finishRun(runId, 'FAILED', 'boom again');
    const run = await readRun(env.server, tenant, runId);
    expect(run).toMatchObject({ status: 'FAILED', try: 2, error: 'boom again' });
    expect(run.logs.filter((line) => line === 'Started')).toHaveLength(2);
    expect(run.logs).toContain('Failed: boom again');
  });

  it('never hands a run one worker holds to another, and refuses the other worker\'s heartbeat, logs and finish', async () => {
    const { tenant, worker: first } = await tenantWithWorker();
    const second = workerClient(env.server, await tenant.tokenWith(['execute:runs']));
    const queue = uniqueQueue();
    const runIds = new Set<string>();
    for (let i = 0; i < 3; i++) runIds.add(await forceRun(env.server, tenant, await taskOnQueue(env.server, tenant, queue)));

    const held = await claimOne(first, queue);
    const others: string[] = [];
    await waitFor(async () => {
      others.push(...(await second.claimRuns(queue, 10, 30)).map((run) => run.id));
      return others.length === 2;
    }, 10_000, 'the two other runs');
    expect(new Set([held.id, ...others])).toEqual(runIds);
    expect(await first.claimRuns(queue, 10, 30)).toEqual([]);

    for (const call of [() => second.heartbeat(held.id, 30), () => second.addRunLog(held.id, 'not mine'), () => second.finishRun(held.id, 'SUCCESS')]) {
      expect(await apiError(call())).toMatchObject({ kind: 'NotFoundError', message: 'NotFoundError: run not found' });
    }
    await first.finishRun(held.id, 'SUCCESS');
    expect((await readRun(env.server, tenant, held.id)).logs).not.toContain('not mine');
  });

  it('tells worker processes that share a token apart by workerId', async () => {
    const { tenant, token } = await tenantWithWorker();
    const [one, two] = [workerClient(env.server, token, 'one'), workerClient(env.server, token, 'two')];
    const queue = uniqueQueue();
    await forceRun(env.server, tenant, await taskOnQueue(env.server, tenant, queue));
    const held = await claimOne(one, queue);
    expect((await apiError(two.heartbeat(held.id, 30))).kind).toBe('NotFoundError');
    expect((await apiError(workerClient(env.server, token).finishRun(held.id, 'SUCCESS'))).kind).toBe('NotFoundError');
    await one.finishRun(held.id, 'SUCCESS');
  });

  it('takes runs away from a worker that stops heartbeating (the reaper) and hands them to another', async () => {
    const { tenant, worker: lost } = await tenantWithWorker();
    const rescuer = workerClient(env.server, await tenant.tokenWith(['execute:runs']));
    const queue = uniqueQueue();
    const runId = await forceRun(env.server, tenant, await taskOnQueue(env.server, tenant, queue, ', retry: 2'));

    await claimOne(lost, queue, 1);
    const rescued = await claimOne(rescuer, queue);
    expect(rescued).toMatchObject({ id: runId, try: 2 });
    expect((await readRun(env.server, tenant, runId)).logs).toContain('Failed: lease expired (worker lost)');
    expect((await apiError(lost.heartbeat(runId, 30))).kind).toBe('NotFoundError');
    expect((await apiError(lost.finishRun(runId, 'SUCCESS'))).kind).toBe('NotFoundError');
    await rescuer.finishRun(runId, 'SUCCESS');
    expect((await readRun(env.server, tenant, runId)).status).toBe('SUCCESS');
  });

  it('tells the worker on its heartbeat that the run was canceled', async () => {
    const { tenant, worker } = await tenantWithWorker();
    const queue = uniqueQueue();
    const runId = await forceRun(env.server, tenant, await taskOnQueue(env.server, tenant, queue));
    await claimOne(worker, queue);
    const cancel = await env.server.graphql(
      'mutation ($id: ID!) { cancelRun(runId: $id) { __typename ... on Error { message } } }',
      { id: runId },
      tenant.headers,
    );
    expect(cancel.body.data.cancelRun.__typename).toBe('CancelRunSuccess');
    expect(await worker.heartbeat(runId, 30)).toMatchObject({ cancelRequested: true });
    await worker.finishRun(runId, 'CANCELED');
    expect((await readRun(env.server, tenant, runId)).status).toBe('CANCELED');
  });

  it('refuses bad arguments with a ValidationError', async () => {
    const { worker } = await tenantWithWorker();
    expect((await apiError(worker.claimRuns('no spaces allowed', 1, 30))).kind).toBe('ValidationError');
    expect((await apiError(worker.claimRuns('default', 0, 30))).kind).toBe('ValidationError');
    expect((await apiError(worker.claimRuns('default', 1, 0))).kind).toBe('ValidationError');
    expect((await apiError(worker.heartbeat('not-an-id', 30))).kind).toBe('ValidationError');
  });
});

describe('worker auth and tenancy', () => {
  it('gives a token without execute:runs a ForbiddenError', async () => {
    const tenant = await seedTenant(env.server.app.services.accounts);
    const token = await tenant.tokenWith(['read:tasks', 'write:tasks']);
    const res = await env.server.graphql('mutation { claimRuns { __typename ... on Error { message } } }', undefined, { authorization: `Bearer ${token}` });
    expect(res.body.data.claimRuns.__typename).toBe('ForbiddenError');
    expect((await apiError(workerClient(env.server, token).heartbeat('0000000000000001', 30))).kind).toBe('ForbiddenError');
  });

  it('lets an admin token work as a worker', async () => {
    const tenant = await seedTenant(env.server.app.services.accounts, ['admin']);
    expect(await workerClient(env.server, tenant.token).claimRuns(uniqueQueue(), 1, 30)).toEqual([]);
  });

  it('never shows org B\'s worker the runs of org A', async () => {
    const a = await tenantWithWorker();
    const b = await tenantWithWorker();
    const queue = uniqueQueue();
    const runId = await forceRun(env.server, a.tenant, await taskOnQueue(env.server, a.tenant, queue));
    await runReaches(env.server, a.tenant, runId, ['SCHEDULED']);
    expect(await b.worker.claimRuns(queue, 10, 30)).toEqual([]);
    await claimOne(a.worker, queue);
    for (const call of [() => b.worker.heartbeat(runId, 30), () => b.worker.addRunLog(runId, 'x'), () => b.worker.finishRun(runId, 'SUCCESS')]) {
      expect((await apiError(call())).kind).toBe('NotFoundError');
    }
    await a.worker.finishRun(runId, 'SUCCESS');
  });
});
