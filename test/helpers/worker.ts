import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { WorkerClient } from '../../src/worker/client.js';
import type { TestServer } from './server.js';
import type { Tenant } from './tenant.js';

/** Polls `probe` until it returns something truthy; fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 10_000, what = 'a condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A queue no other test uses. */
export const uniqueQueue = () => `q-${randomBytes(4).toString('hex')}`;

export function workerClient(server: TestServer, token: string, workerId: string | null = null): WorkerClient {
  return new WorkerClient(`${server.origin}/graphql`, token, workerId);
}

/** A yearly task on `queue`, so that only forced runs happen while the test runs. */
export async function taskOnQueue(server: TestServer, tenant: Tenant, queue: string, options = '', body = 'echo hello'): Promise<string> {
  const script = `option task = {name: "on ${queue}", cron: "0 0 1 1 *", executor: "worker:${queue}"${options}}\n${body}\n`;
  const res = await server.graphql(
    'mutation ($script: String!) { createTask(input: { script: $script }) { __typename ... on CreateTaskSuccess { data { id } } ... on Error { message } } }',
    { script },
    tenant.headers,
  );
  expect(res.body.data.createTask.__typename).toBe('CreateTaskSuccess');
  return res.body.data.createTask.data.id;
}

/** Forces a run of the task now; returns the run's ID. */
export async function forceRun(server: TestServer, tenant: Tenant, taskId: string, scheduledFor?: string): Promise<string> {
  const res = await server.graphql(
    'mutation ($id: ID!, $at: DateTime) { forceRun(taskId: $id, scheduledFor: $at) { __typename ... on ForceRunSuccess { data { runId } } ... on Error { message } } }',
    { id: taskId, at: scheduledFor },
    tenant.headers,
  );
  expect(res.body.data.forceRun.__typename).toBe('ForceRunSuccess');
  return res.body.data.forceRun.data.runId;
}

export interface RunView {
  status: string;
  try: number;
  error: string | null;
  logs: string[];
}

/** The run with its log, or null while the scheduler has not created it. */
async function findRun(server: TestServer, tenant: Tenant, runId: string): Promise<RunView | null> {
  const res = await server.graphql(
    'query ($id: ID!) { run(id: $id) { status try error logs(first: 50) { edges { node { message } } } } }',
    { id: runId },
    tenant.headers,
  );
  const run = res.body.data.run;
  return run && { ...run, logs: run.logs.edges.map((e: { node: { message: string } }) => e.node.message) };
}

export async function readRun(server: TestServer, tenant: Tenant, runId: string): Promise<RunView> {
  const run = await findRun(server, tenant, runId);
  expect(run).not.toBeNull();
  return run!;
}

/** Waits until the run exists and is in one of `statuses`. */
export function runReaches(server: TestServer, tenant: Tenant, runId: string, statuses: string[], timeoutMs = 10_000): Promise<RunView> {
  return waitFor(async () => {
    const run = await findRun(server, tenant, runId);
    return run !== null && statuses.includes(run.status) && run;
  }, timeoutMs, `run ${runId} to reach ${statuses.join('/')}`);
}
