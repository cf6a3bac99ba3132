import { describe, expect, it, vi } from 'vitest';
import { shellExecutor, type Executor } from '../../src/executors/index.js';
import { formatId, type ID, type RunWithLog, type Task } from '../../src/store/index.js';
import { groupAlive } from '../helpers/process.js';
import { useScheduler } from '../helpers/scheduler.js';

/** Fails until its third try. */
const flaky: Executor = { execute: async (req) => (req.try < 3 ? { status: 'failed', reason: `flake ${req.try}` } : { status: 'success' }) };
const failing: Executor = { execute: async () => ({ status: 'failed', reason: 'always' }) };

const f = useScheduler({ executors: { shell: shellExecutor, flaky, failing }, defaultExecutor: 'shell' });

const DAILY = 'cron: "0 3 * * *"';
const unix = () => Math.floor(Date.now() / 1000);

/** Forces a run of the task now, as forceRun does; resolves with its ID. */
async function forceRun(task: Task): Promise<ID> {
  const request = await f.store.manuallyRunTimeRange(task.id, unix(), unix(), unix());
  return request.runId!;
}

async function runOnceIn(runId: ID, statuses: string[], timeout = 10_000): Promise<RunWithLog> {
  return vi.waitFor(
    async () => {
      const run = await f.store.findRunById(f.tenant.orgId, runId);
      expect(statuses).toContain(run.status);
      return run;
    },
    { timeout, interval: 20 },
  );
}

const messages = (run: RunWithLog) => run.log.map((line) => line.message);

describe('attempts', () => {
  it('scenario 3: retry 3 and two failures: one run, try 3, success, three Started and two Failed lines', async () => {
    const task = await f.task(`name: "flaky", ${DAILY}, retry: 3, executor: "flaky"`);
    const run = await runOnceIn(await forceRun(task), ['success'], 15_000);
    expect(run.try).toBe(3);
    expect(messages(run).filter((m) => m === 'Started')).toHaveLength(3);
    expect(messages(run).filter((m) => m.startsWith('Failed: '))).toEqual(['Failed: flake 1', 'Failed: flake 2']);
    expect(messages(run).filter((m) => m.startsWith('retrying in '))).toHaveLength(2);
    expect(messages(run).at(-1)).toBe('Completed successfully');
    expect(run.error).toBeNull();
    expect(await f.db.prisma.run.count({ where: { taskId: task.id } })).toBe(1);
  }, 20_000);

  it('scenario 3: retry 2, always failing: failed after two attempts, and the slot is free', async () => {
    const task = await f.task(`name: "failing", ${DAILY}, retry: 2, executor: "failing"`);
    const run = await runOnceIn(await forceRun(task), ['failed'], 10_000);
    expect(run).toMatchObject({ try: 2, error: 'always' });
    expect(messages(run)).toEqual(['Started', 'Failed: always', expect.stringMatching(/^retrying in [\d.]+m?s$/), 'Started', 'Failed: always']);
    expect((await f.store.findTaskMetaById(task.id)).currentlyRunning).toEqual([]);
  });

  it('scenario 4: timeout 1s and a 5 s script: the attempt fails with a timeout within 2 s', async () => {
    const task = await f.task(`name: "slow", ${DAILY}, timeout: 1s`, 'sleep 5');
    const run = await runOnceIn(await forceRun(task), ['failed']);
    expect(run.error).toBe('timed out after 1s');
    expect(run.finishedAt!.getTime() - run.startedAt!.getTime()).toBeLessThan(2_000);
    expect(messages(run)).toEqual(['Started', 'Failed: timed out after 1s']);
  });

  it('scenario 6: cancel a started shell run: its processes are gone within 1 s and the run is canceled', async () => {
    const task = await f.task(`name: "long", ${DAILY}`, 'echo "pid $$"\nsleep 60');
    const runId = await forceRun(task);
    const run = await vi.waitFor(
      async () => {
        const found = await f.store.findRunById(f.tenant.orgId, runId);
        expect(found.log.map((l) => l.message)).toContainEqual(expect.stringMatching(/^pid \d+$/));
        return found;
      },
      { timeout: 10_000, interval: 20 },
    );
    const pid = Number(messages(run).find((m) => m.startsWith('pid '))!.slice(4));
    expect(groupAlive(pid)).toBe(true); // sh and its sleep

    const res = await f.server.graphql(
      'mutation ($id: ID!) { cancelRun(runId: $id) { __typename ... on CancelRunSuccess { data { status } } } }',
      { id: formatId(runId) },
      f.tenant.headers,
    );
    const asked = Date.now();
    expect(res.body.data.cancelRun).toEqual({ __typename: 'CancelRunSuccess', data: { status: 'STARTED' } });
    await vi.waitFor(() => expect(groupAlive(pid)).toBe(false), { timeout: 1_000, interval: 10 });
    expect(Date.now() - asked).toBeLessThan(1_000);
    const canceled = await runOnceIn(runId, ['canceled'], 2_000);
    expect(messages(canceled).slice(-2)).toEqual(['Cancel requested', 'Canceled']);
    expect((await f.store.findTaskMetaById(task.id)).currentlyRunning).toEqual([]);
  });

  it('shell: script body without the option statement, stdout and stderr lines, the run environment, exit status', async () => {
    const body = 'echo "task=$TASK_ID run=$RUN_ID try=$TRY at=$SCHEDULED_FOR db=${DATABASE_URL:-unset}"\necho oops >&2\nexit 3';
    const task = await f.task(`name: "env", ${DAILY}`, body);
    const runId = await forceRun(task);
    const run = await runOnceIn(runId, ['failed']);
    const scheduledFor = new Date(run.scheduledFor * 1000).toISOString().replace('.000Z', 'Z');
    expect(messages(run)).toEqual([
      'Started',
      `task=${formatId(task.id)} run=${formatId(runId)} try=1 at=${scheduledFor} db=unset`,
      'oops',
      'Failed: exit status 3',
    ]);
  });
});

describe('cancelRun', () => {
  const CANCEL = 'mutation ($id: ID!) { cancelRun(runId: $id) { __typename ... on Error { message } ... on CancelRunSuccess { data { status } } } }';

  it('cancels a scheduled run at once; a finished run is not found', async () => {
    const task = await f.task(`name: "queued for nobody", ${DAILY}, executor: "worker:nobody"`);
    const runId = await forceRun(task);
    await runOnceIn(runId, ['scheduled']);
    const first = await f.server.graphql(CANCEL, { id: formatId(runId) }, f.tenant.headers);
    expect(first.body.data.cancelRun).toEqual({ __typename: 'CancelRunSuccess', data: { status: 'CANCELED' } });
    expect(messages(await f.store.findRunById(f.tenant.orgId, runId))).toEqual(['Canceled']);
    expect((await f.store.findTaskMetaById(task.id)).currentlyRunning).toEqual([]);

    const again = await f.server.graphql(CANCEL, { id: formatId(runId) }, f.tenant.headers);
    expect(again.body.data.cancelRun).toEqual({ __typename: 'NotFoundError', message: 'run not found' });
  });

  it('needs write:tasks', async () => {
    const token = await f.tenant.tokenWith(['read:tasks']);
    const res = await f.server.graphql(CANCEL, { id: formatId(1n) }, { authorization: `Bearer ${token}` });
    expect(res.body.data.cancelRun.__typename).toBe('ForbiddenError');
  });
});
