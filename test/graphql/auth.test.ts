import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../helpers/server.js';
import { seedTenant, type Tenant } from '../helpers/tenant.js';

const env = useTestServer();
let orgA: Tenant;
let orgB: Tenant;
let taskA: string;

const CREATE = `mutation ($script: String!) { createTask(input: { script: $script }) {
  __typename ... on CreateTaskSuccess { data { id } } ... on Error { message } } }`;
const SCRIPT = 'option task = {name: "secret", every: 1m}\necho secret\n';

beforeAll(async () => {
  orgA = await seedTenant(env.server.app.services.accounts);
  orgB = await seedTenant(env.server.app.services.accounts);
  taskA = (await env.server.graphql(CREATE, { script: SCRIPT }, orgA.headers)).body.data.createTask.data.id;
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('authentication', () => {
  it('refuses a request without a token with 401', async () => {
    const res = await env.server.graphql('{ viewer { orgId } }');
    expect(res.status).toBe(401);
    expect(res.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(res.body.data ?? null).toBeNull();
  });

  it('refuses a wrong token with 401', async () => {
    const res = await env.server.graphql('{ viewer { orgId } }', undefined, bearer('tw_not-a-real-token'));
    expect(res.status).toBe(401);
    expect(res.body.errors![0]!.message).toBe('invalid token');
  });

  it('accepts Bearer and Token schemes', async () => {
    for (const scheme of ['Bearer', 'Token']) {
      const res = await env.server.graphql('{ viewer { orgId permissions } }', undefined, { authorization: `${scheme} ${orgA.token}` });
      expect(res.body.data.viewer).toEqual({ orgId: orgA.hex.orgId, permissions: ['READ_TASKS', 'WRITE_TASKS', 'EXECUTE_RUNS', 'ADMIN'] });
    }
  });
});

describe('permissions', () => {
  it('gives a read-only token a ForbiddenError on mutations and changes nothing', async () => {
    const readOnly = bearer(await orgA.tokenWith(['read:tasks']));
    const res = await env.server.graphql(CREATE, { script: SCRIPT }, readOnly);
    expect(res.body.data.createTask.__typename).toBe('ForbiddenError');
    const tasks = await env.server.graphql('{ tasks { edges { node { id } } } }', undefined, readOnly);
    expect(tasks.body.data.tasks.edges).toEqual([{ node: { id: taskA } }]);
  });

  it('limits a worker token (execute:runs) to executing runs', async () => {
    const worker = bearer(await orgA.tokenWith(['execute:runs']));
    const read = await env.server.graphql('{ tasks { edges { node { id } } } }', undefined, worker);
    expect(read.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const write = await env.server.graphql(CREATE, { script: SCRIPT }, worker);
    expect(write.body.data.createTask.__typename).toBe('ForbiddenError');
  });
});

describe('tenancy', () => {
  it('hides another org\'s task from reads', async () => {
    const one = await env.server.graphql('query ($id: ID!) { task(id: $id) { id } }', { id: taskA }, orgB.headers);
    expect(one.body).toEqual({ data: { task: null } });
    const list = await env.server.graphql('{ tasks { edges { node { id } } } }', undefined, orgB.headers);
    expect(list.body.data.tasks.edges).toEqual([]);
    const runs = await env.server.graphql('query ($id: ID!) { runs(taskId: $id) { edges { node { id } } } }', { id: taskA }, orgB.headers);
    expect(runs.body.data.runs.edges).toEqual([]);
  });

  it('answers not found when mutating another org\'s task', async () => {
    const mutations = [
      ['mutation ($id: ID!) { deleteTask(id: $id) { __typename ... on Error { message } } }', 'deleteTask'],
      ['mutation ($id: ID!) { updateTask(input: { id: $id, status: INACTIVE }) { __typename ... on Error { message } } }', 'updateTask'],
      ['mutation ($id: ID!) { forceRun(taskId: $id) { __typename ... on Error { message } } }', 'forceRun'],
    ] as const;
    for (const [mutation, field] of mutations) {
      const res = await env.server.graphql(mutation, { id: taskA }, orgB.headers);
      expect(res.body.data[field]).toEqual({ __typename: 'NotFoundError', message: 'task not found' });
    }
    const still = await env.server.graphql('query ($id: ID!) { task(id: $id) { status } }', { id: taskA }, orgA.headers);
    expect(still.body.data.task).toEqual({ status: 'ACTIVE' });
  });
});
