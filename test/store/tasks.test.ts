import { describe, expect, it } from 'vitest';
import {
  OrgNotFoundError,
  RunNotFoundError,
  RunNotYetDueError,
  TaskNotFoundError,
  UserNotFoundError,
  ValidationError,
  type ID,
} from '../../src/store/index.js';
import { BODY, expectError, rejection, S, script, useStore } from '../helpers/store.js';

const f = useStore();

const UNKNOWN: ID = 0x7fff_ffff_ffff_fff0n;

describe('create and validate', () => {
  it('scenario 1: required fields, named in order', async () => {
    const { orgId, userId } = await f.tenant();
    const task = await f.store.createTask({ orgId, userId, script: S });
    expect(task).toMatchObject({ orgId, userId, name: 'a task', script: S, status: 'active' });

    const missing = 'missing required fields to create task: ';
    await expectError(f.store.createTask({ userId, script: S }), ValidationError, `${missing}organization ID`);
    await expectError(f.store.createTask({ orgId, script: S }), ValidationError, `${missing}user ID`);
    await expectError(f.store.createTask({ orgId, userId, script: '' }), ValidationError, `${missing}script`);
    await expectError(f.store.createTask({ script: '' }), ValidationError, `${missing}script, organization ID, user ID`);
  });

  it('scenario 1: an owner that does not exist is not found', async () => {
    const { orgId, userId } = await f.tenant();
    const other = await f.tenant();
    await expectError(f.store.createTask({ orgId: UNKNOWN, userId, script: S }), OrgNotFoundError, 'org not found');
    await expectError(f.store.createTask({ orgId, userId: UNKNOWN, script: S }), UserNotFoundError, 'user not found');
    await expectError(f.store.createTask({ orgId, userId: other.userId, script: S }), UserNotFoundError, 'user not found');
  });

  it('scenario 2: name required; the same script twice makes two tasks', async () => {
    const owner = await f.tenant();
    await expectError(f.store.createTask({ ...owner, script: script('cron: "* * * * *"') }), ValidationError, 'missing name in task options');
    const [a, b] = [await f.store.createTask({ ...owner, script: S }), await f.store.createTask({ ...owner, script: S })];
    expect(a.id).not.toBe(b.id);
    expect((await f.store.listTasks({ orgId: owner.orgId })).map((t) => t.task.id)).toEqual([a.id, b.id]);
  });

  it('scenario 3: status inactive is accepted, bogus is refused', async () => {
    const owner = await f.tenant();
    const task = await f.store.createTask({ ...owner, script: S, status: 'inactive' });
    expect(task.status).toBe('inactive');
    expect(await f.store.findTaskMetaById(task.id)).toMatchObject({ status: 'inactive', nextDue: null });
    await expectError(f.store.createTask({ ...owner, script: S, status: 'bogus' }), ValidationError, 'invalid task status: "bogus"');
  });

  it('scenario 4: options parse exactly', async () => {
    const owner = await f.tenant();
    const cron = await f.store.createTask({ ...owner, script: script('name: "n", cron: "* * * * *", concurrency: 2, retry: 3, offset: -1m') });
    expect(cron).toMatchObject({ cron: '* * * * *', every: null, concurrency: 2, retry: 3, offset: -60, timezone: 'UTC', catchup: 'all' });
    const every = await f.store.createTask({ ...owner, script: script('name: "n", every: 5s') });
    expect(every).toMatchObject({ every: 5, cron: null, concurrency: 1, retry: 1, offset: 0 });
    expect((await f.store.findTaskMetaById(every.id)).effectiveCron).toBe('@every 5s');
  });

  it.each([
    ['every: 1m, cron: "* * * * *"', 'cannot use both cron and every in task options'],
    ['every: 1m, concurrency: 1000', 'invalid options: concurrency exceeded max of 100'],
    ['every: 1m, concurrency: 0', 'invalid options: concurrency must be at least 1'],
    ['every: 1m, retry: 0', 'invalid options: retry must be at least 1'],
    ['every: 1m, retry: 20', 'invalid options: retry exceeded max of 10'],
    ['every: 1', 'unexpected kind: got "int" expected "duration"'],
    ['every: 1500ms', 'invalid options: every option must be expressible as whole seconds'],
    ['every: 1m, offset: 1.5s', 'invalid options: offset option must be expressible as whole seconds'],
    ['every: -1m', 'invalid options: every option must be at least 1 second'],
    ['every: 1m, timezone: "Mars/Base"', 'invalid options: timezone invalid: Mars/Base'],
    [
      'every: 1500ms, offset: 1.5s, concurrency: 0, retry: 20, timezone: "Mars/Base", catchup: "sometimes"',
      'invalid options: every option must be expressible as whole seconds, offset option must be expressible as whole seconds, ' +
        'concurrency must be at least 1, retry exceeded max of 10, timezone invalid: Mars/Base, catchup must be one of all, latest, none',
    ],
  ])('scenario 4: {%s} is refused: %s', async (fields, message) => {
    const owner = await f.tenant();
    await expectError(f.store.createTask({ ...owner, script: script(`name: "n", ${fields}`) }), ValidationError, message);
  });

  it('scenario 4: a cron that never fires is refused', async () => {
    const owner = await f.tenant();
    const error = await rejection(f.store.createTask({ ...owner, script: script('name: "n", cron: "0 0 31 2 *"') }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/^invalid options: cron invalid: /);
  });

  it('scenario 5: meta after create', async () => {
    const owner = await f.tenant();
    const task = await f.store.createTask({ ...owner, script: script('name: "m", cron: "* * * * *", concurrency: 3, offset: 5s'), scheduleAfter: 6000 });
    expect(await f.store.findTaskMetaById(task.id)).toMatchObject({
      taskId: task.id,
      maxConcurrency: 3,
      latestCompleted: 6000,
      effectiveCron: '* * * * *',
      offset: 5,
      status: 'active',
      nextDue: 6065,
      currentlyRunning: [],
      manualRuns: [],
    });
  });

  it.each([
    ['1m', 65, 120],
    ['1m', 60, 120],
    ['10s', 27, 30],
    ['2d', 172801, 345600],
  ])('scenario 6: every %s after %i → first run %i', async (every, scheduleAfter, first) => {
    const owner = await f.tenant();
    const task = await f.store.createTask({ ...owner, script: script(`name: "e", every: ${every}`), scheduleAfter });
    expect((await f.store.createNextRun(task.id, first + 1000)).created.now).toBe(first);
  });
});

describe('update', () => {
  const A = script('name: "A", cron: "* * * * *"', 'from(bucket: "a")\n');
  const B = script('name: "B", cron: "*/5 * * * *"', 'from(bucket: "b")  // other body\n');

  it('scenario 7: a new script replaces the old; status is kept', async () => {
    const task = await f.store.createTask({ ...(await f.tenant()), script: A });
    const result = await f.store.updateTask({ id: task.id, script: B });
    expect(result).toMatchObject({ oldScript: A, oldStatus: 'active' });
    expect(result.newTask).toMatchObject({ script: B, name: 'B', status: 'active', cron: '*/5 * * * *' });
    expect(result.newMeta.effectiveCron).toBe('*/5 * * * *');
  });

  it('scenario 7: a status-only update leaves the script byte for byte', async () => {
    const odd = 'option task = {  name: "odd" , // comment\n every: 1h }\r\n\tfrom(bucket: "x")   \n\n';
    const task = await f.store.createTask({ ...(await f.tenant()), script: odd });
    const result = await f.store.updateTask({ id: task.id, status: 'inactive' });
    expect(result.newTask).toMatchObject({ script: odd, status: 'inactive' });
    expect(result.newMeta.nextDue).toBeNull();
  });

  it('scenario 7: unknown task, nothing to change', async () => {
    const task = await f.store.createTask({ ...(await f.tenant()), script: A });
    const missing = 'missing required fields to modify task: ';
    await expectError(f.store.updateTask({ id: UNKNOWN, script: B }), TaskNotFoundError, 'task not found');
    await expectError(f.store.updateTask({ id: task.id }), ValidationError, `${missing}script or status`);
    await expectError(f.store.updateTask({ id: task.id, options: {} }), ValidationError, `${missing}script or status`);
    await expectError(f.store.updateTask({}), ValidationError, `${missing}script or status, task ID`);
    await expectError(f.store.updateTask({ status: 'active' }), ValidationError, `${missing}task ID`);
    await expectError(f.store.updateTask({ id: task.id, status: 'paused' }), ValidationError, 'invalid task status: "paused"');
    await expectError(f.store.updateTask({ id: task.id, script: script('every: 1m') }), ValidationError, 'missing name in task options');
  });

  it('scenario 8: a script change moves the task onto the new schedule', async () => {
    const task = await f.store.createTask({ ...(await f.tenant()), script: S, scheduleAfter: 30 });
    const { newMeta } = await f.store.updateTask({ id: task.id, script: script('name: "hourly", every: 1h') });
    expect(newMeta).toMatchObject({ effectiveCron: '@every 1h0m0s', nextDue: 3600, latestCompleted: 30 });
    await expectError(f.store.createNextRun(task.id, 60), RunNotYetDueError, 'run not due until 1970-01-01T01:00:00Z');
    expect((await f.store.createNextRun(task.id, 3600)).created.now).toBe(3600);
  });

  it('scenario 8: concurrency, offset and retry follow the script', async () => {
    const task = await f.store.createTask({ ...(await f.tenant()), script: S, scheduleAfter: 30 });
    const { newTask, newMeta } = await f.store.updateTask({ id: task.id, script: script('name: "x", cron: "* * * * *", concurrency: 4, offset: 10s, retry: 2') });
    expect(newTask).toMatchObject({ concurrency: 4, offset: 10, retry: 2 });
    expect(newMeta).toMatchObject({ maxConcurrency: 4, offset: 10, nextDue: 70 });
  });

  it('scenario 9: overriding every on a cron task drops cron and keeps the rest', async () => {
    const task = await f.store.createTask({ ...(await f.tenant()), script: S });
    const { newTask } = await f.store.updateTask({ id: task.id, options: { every: '30m' } });
    expect(newTask).toMatchObject({ script: `option task = {name: "a task", every: 30m}\n${BODY}`, every: 1800, cron: null });
    const removed = await f.store.updateTask({ id: task.id, options: { offset: '1m' } });
    expect(removed.newTask.offset).toBe(60);
    expect((await f.store.updateTask({ id: task.id, options: { offset: null } })).newTask).toMatchObject({ offset: 0, script: newTask.script });
  });

  it('scenario 10: re-activation does not replay the ticks missed while inactive', async () => {
    const start = Math.floor(Date.now() / 1000) - 11 * 60;
    const task = await f.store.createTask({ ...(await f.tenant()), script: script('name: "r", every: 1m'), scheduleAfter: start });
    await f.store.updateTask({ id: task.id, status: 'inactive' });
    const before = Math.floor(Date.now() / 1000);
    const { newMeta } = await f.store.updateTask({ id: task.id, status: 'active' });
    expect(newMeta.latestCompleted).toBeGreaterThanOrEqual(before);
    const error = await rejection(f.store.createNextRun(task.id, before));
    expect(error).toBeInstanceOf(RunNotYetDueError);
    expect((error as RunNotYetDueError).dueAt).toBeGreaterThan(before);
    expect(await f.store.listRuns({ orgId: task.orgId, taskId: task.id })).toEqual([]);
  });
});

describe('list, find, delete', () => {
  it('scenario 11: pages in creation order; bounds and filters', async () => {
    const owner = await f.tenant();
    const created: ID[] = [];
    for (let i = 0; i < 150; i++) created.push((await f.store.createTask({ ...owner, script: S })).id);

    const first = await f.store.listTasks({ orgId: owner.orgId, pageSize: 100 });
    expect(first.map((t) => t.task.id)).toEqual(created.slice(0, 100));
    expect(first[0]!.meta).toMatchObject({ taskId: created[0], maxConcurrency: 1 });
    const rest = await f.store.listTasks({ orgId: owner.orgId, pageSize: 100, after: created[99] });
    expect(rest.map((t) => t.task.id)).toEqual(created.slice(100));
    expect(await f.store.listTasks({ userId: owner.userId })).toHaveLength(100);

    await expectError(f.store.listTasks({ pageSize: -1 }), ValidationError, 'ListTasks: PageSize must be positive');
    await expectError(f.store.listTasks({ pageSize: 501 }), ValidationError, 'ListTasks: PageSize exceeds maximum of 500');
    await expectError(f.store.listTasks({ ...owner }), ValidationError, 'ListTasks: org and user filters are mutually exclusive');
    expect(await f.store.listTasks({ orgId: UNKNOWN })).toEqual([]);
  });

  it('scenario 12: find and delete', async () => {
    await expectError(f.store.findTaskById(UNKNOWN), TaskNotFoundError, 'task not found');
    const task = await f.store.createTask({ ...(await f.tenant()), script: S, scheduleAfter: 0 });
    const { created } = await f.store.createNextRun(task.id, 60);
    const base = { taskId: task.id, runId: created.runId, scheduledFor: created.now };
    await f.store.addRunLog(base, new Date(), 'a line');
    await f.store.manuallyRunTimeRange(task.id, 0, 0, 1);
    expect((await f.store.findTaskByIdWithMeta(task.id)).task).toEqual(await f.store.findTaskById(task.id));

    expect(await f.store.deleteTask(task.id)).toBe(true);
    expect(await f.store.deleteTask(task.id)).toBe(false);
    await expectError(f.store.findTaskById(task.id), TaskNotFoundError, 'task not found');
    await expectError(f.store.findTaskMetaById(task.id), TaskNotFoundError, 'task not found');
    await expectError(f.store.findTaskByIdWithMeta(task.id), TaskNotFoundError, 'task not found');
    await expectError(f.store.findRunById(task.orgId, created.runId), RunNotFoundError, 'run not found');
    expect(await f.store.listLogs({ orgId: task.orgId, runId: created.runId })).toEqual([]);
    expect(await f.db.prisma.manualRequest.count({ where: { taskId: task.id } })).toBe(0);
  });

  it('scenario 13: deleting an org takes its tasks, runs and logs, nothing else', async () => {
    const owners = [await f.tenant(), await f.tenant(), await f.tenant()];
    const tasks = [];
    for (const owner of owners) tasks.push(await f.store.createTask({ ...owner, script: S, scheduleAfter: 0 }));
    const { created } = await f.store.createNextRun(tasks[0]!.id, 60);
    await f.store.addRunLog({ taskId: tasks[0]!.id, runId: created.runId, scheduledFor: 60 }, new Date(), 'line');

    await f.store.deleteOrg(owners[0]!.orgId);
    expect(await f.store.listTasks({ orgId: owners[0]!.orgId })).toEqual([]);
    await expectError(f.store.findRunById(owners[0]!.orgId, created.runId), RunNotFoundError, 'run not found');
    expect(await f.db.prisma.runLog.count({ where: { runId: created.runId } })).toBe(0);
    for (const [i, owner] of owners.entries()) {
      if (i > 0) expect((await f.store.listTasks({ orgId: owner.orgId })).map((t) => t.task.id)).toEqual([tasks[i]!.id]);
    }
    await expectError(f.store.deleteOrg(owners[0]!.orgId), OrgNotFoundError, 'org not found');
  });

  it('scenario 13: deleting a user takes only that user’s tasks', async () => {
    const owner = await f.tenant();
    const colleague = await f.accounts.createUser(owner.orgId, 'colleague');
    await f.store.createTask({ ...owner, script: S });
    const kept = await f.store.createTask({ orgId: owner.orgId, userId: colleague.id, script: S });
    await f.store.deleteUser(owner.userId);
    expect((await f.store.listTasks({ orgId: owner.orgId })).map((t) => t.task.id)).toEqual([kept.id]);
    await expectError(f.store.deleteUser(owner.userId), UserNotFoundError, 'user not found');
  });
});
