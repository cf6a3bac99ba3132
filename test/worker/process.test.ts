import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliProcess } from '../helpers/process.js';
import { useScheduler } from '../helpers/scheduler.js';
import { seedTenant, type Tenant } from '../helpers/tenant.js';
import { forceRun, runReaches, taskOnQueue, uniqueQueue, waitFor } from '../helpers/worker.js';

// The real `tickwork worker` process against a real server (scenario 7 end to end).

const env = useScheduler({ leaseMs: 3_000 });
let tenant: Tenant;
let token: string;
const queue = uniqueQueue();
let worker: CliProcess;

function startWorker(workerQueue: string, ...flags: string[]): CliProcess {
  const args = ['worker', '--url', `${env.server.origin}/graphql`, '--queue', workerQueue, '--exec', 'sh', '--lease', '3', ...flags];
  return runCli(args, { TICKWORK_TOKEN: token });
}

beforeAll(async () => {
  tenant = await seedTenant(env.server.app.services.accounts);
  token = await tenant.tokenWith(['execute:runs']);
  worker = startWorker(queue, '--concurrency', '2');
  await worker.waitForLog('worker started');
});

afterAll(async () => {
  worker.child.kill('SIGTERM');
  await worker.exited;
});

/** Forces a run of a new task on `onQueue` with this body; returns the run's ID. */
async function runScript(body: string, options = '', onQueue = queue): Promise<string> {
  return forceRun(env.server, tenant, await taskOnQueue(env.server, tenant, onQueue, options, body));
}

/** Running, not a zombie waiting for a parent that may never reap it. */
const alive = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z';
  } catch {
    return false;
  }
};

describe('tickwork worker', () => {
  it('runs the script body with the run\'s environment and streams its output as log lines', async () => {
    const runId = await runScript('echo "task=$TASK_ID run=$RUN_ID try=$TRY at=$SCHEDULED_FOR"\necho "to stderr" >&2\necho last');
    const run = await runReaches(env.server, tenant, runId, ['SUCCESS', 'FAILED']);
    expect(run.status).toBe('SUCCESS');
    const env1 = run.logs.find((line) => line.startsWith('task='));
    expect(env1).toMatch(new RegExp(`^task=[0-9a-f]{16} run=${runId} try=1 at=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`));
    expect(run.logs[0]).toBe('Started');
    expect(run.logs).toEqual(expect.arrayContaining(['to stderr', 'last']));
    expect(run.logs.indexOf('last')).toBeGreaterThan(run.logs.indexOf(env1!));
    expect(run.logs.at(-1)).toBe('Completed successfully');
  });

  it('fails a run whose script exits non-zero, with the exit status', async () => {
    const runId = await runScript('echo failing\nexit 3');
    const run = await runReaches(env.server, tenant, runId, ['SUCCESS', 'FAILED']);
    expect(run).toMatchObject({ status: 'FAILED', error: 'exit status 3' });
    expect(run.logs).toEqual(['Started', 'failing', 'Failed: exit status 3']);
  });

  it('kills the script\'s process group when the run is canceled', async () => {
    const runId = await runScript('sleep 60 &\necho "pids $$ $!"\nwait');
    const started = await waitFor(async () => {
      const run = await runReaches(env.server, tenant, runId, ['STARTED']);
      return run.logs.find((line) => line.startsWith('pids '));
    }, 10_000, 'the script to print its pids');
    const pids = started.split(' ').slice(1).map(Number);
    expect(pids.every(alive)).toBe(true);

    const cancel = await env.server.graphql('mutation ($id: ID!) { cancelRun(runId: $id) { __typename } }', { id: runId }, tenant.headers);
    expect(cancel.body.data.cancelRun.__typename).toBe('CancelRunSuccess');
    expect((await runReaches(env.server, tenant, runId, ['CANCELED'], 5_000)).logs.at(-1)).toBe('Canceled');
    expect(pids.some(alive)).toBe(false);
  });

  it('fails an attempt that runs past the task\'s timeout', async () => {
    const asked = Date.now();
    const runId = await runScript('sleep 20', ', timeout: 1s');
    const run = await runReaches(env.server, tenant, runId, ['SUCCESS', 'FAILED']);
    expect(run).toMatchObject({ status: 'FAILED', error: 'timed out after 1s' });
    expect(Date.now() - asked).toBeLessThan(6_000);
  });

  it('exits 1 with one line when its token is refused', async () => {
    const readOnly = runCli(['worker', '--url', `${env.server.origin}/graphql`, '--token', await tenant.tokenWith(['read:tasks'])], {});
    expect(await readOnly.exited).toBe(1);
    expect(readOnly.stderr()).toMatch(/^tickwork: worker: ForbiddenError: forbidden: .+\n$/);
    const unknown = runCli(['worker', '--url', `${env.server.origin}/graphql`, '--token', 'tw_nope'], {});
    expect(await unknown.exited).toBe(1);
    expect(unknown.stderr()).toBe('tickwork: worker: Unauthenticated: invalid token\n');
  });

  it('on SIGTERM, reports what it holds once the grace period is over and exits 0', async () => {
    const own = uniqueQueue();
    const stopping = startWorker(own, '--grace', '1');
    await stopping.waitForLog('worker started');
    const runId = await runScript('sleep 30', '', own);
    await runReaches(env.server, tenant, runId, ['STARTED']);
    stopping.child.kill('SIGTERM');
    expect(await stopping.exited).toBe(0);
    expect(await runReaches(env.server, tenant, runId, ['FAILED'], 1_000)).toMatchObject({ error: 'worker stopped' });
  });
});
