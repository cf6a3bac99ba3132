import { describe, expect, it } from 'vitest';
import type { WorkerClient } from '../../src/worker/client.js';
import { useScheduler } from '../helpers/scheduler.js';
import { startTestServer } from '../helpers/server.js';
import { seedTenant, type Tenant } from '../helpers/tenant.js';
import { forceRun, runReaches, taskOnQueue, uniqueQueue, waitFor, workerClient } from '../helpers/worker.js';

const env = useScheduler({ leaseMs: 3_000 });

/** `name{labels} value` samples of the exposition text, by name with labels. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) out.set(match[1]!, Number(match[2]));
  }
  return out;
}

async function scrape(origin = env.server.origin): Promise<Map<string, number>> {
  const res = await fetch(`${origin}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return samples(await res.text());
}

/** Claims the queue's next run, waiting for the scheduler to create it. */
function claim(worker: WorkerClient, queue: string, leaseSeconds = 30) {
  return waitFor(async () => (await worker.claimRuns(queue, 1, leaseSeconds))[0], 10_000, `a run on ${queue}`);
}

async function runOnce(tenant: Tenant, worker: WorkerClient, options: string, finish: (runId: string) => Promise<void>): Promise<string> {
  const queue = uniqueQueue();
  const runId = await forceRun(env.server, tenant, await taskOnQueue(env.server, tenant, queue, options));
  const claimed = await claim(worker, queue);
  await finish(claimed.id);
  return queue;
}

async function databaseCounts() {
  const rows = await env.db.prisma.run.groupBy({ by: ['status'], _count: true });
  const count = (status: string) => rows.find((row) => row.status === status)?._count ?? 0;
  return { success: count('success'), failed: count('failed'), canceled: count('canceled'), started: count('started') };
}

describe('/metrics', () => {
  it('counts finished runs, retries and reaped leases as the database has them, with histogram observations', async () => {
    const tenant = await seedTenant(env.server.app.services.accounts);
    const worker = workerClient(env.server, await tenant.tokenWith(['execute:runs']));

    await runOnce(tenant, worker, '', (id) => worker.finishRun(id, 'SUCCESS'));
    await runOnce(tenant, worker, '', (id) => worker.finishRun(id, 'FAILED', 'boom'));
    const retried = await runOnce(tenant, worker, ', retry: 2', (id) => worker.finishRun(id, 'FAILED', 'first try'));
    await worker.finishRun((await claim(worker, retried)).id, 'SUCCESS');
    const reapedQueue = uniqueQueue();
    const reaped = await forceRun(env.server, tenant, await taskOnQueue(env.server, tenant, reapedQueue));
    await claim(worker, reapedQueue, 1);
    await runReaches(env.server, tenant, reaped, ['FAILED'], 15_000);
    await runOnce(tenant, worker, '', async () => {}); // held: stays started

    const db = await databaseCounts();
    expect(db).toEqual({ success: 2, failed: 2, canceled: 0, started: 1 });
    const metrics = await scrape();
    expect(metrics.get('tickwork_runs_finished_total{status="success"}')).toBe(db.success);
    expect(metrics.get('tickwork_runs_finished_total{status="failed"}')).toBe(db.failed);
    expect(metrics.get('tickwork_runs_finished_total{status="canceled"}')).toBe(0);
    expect(metrics.get('tickwork_runs_in_progress')).toBe(db.started);
    expect(metrics.get('tickwork_run_retries_total')).toBe(1);
    expect(metrics.get('tickwork_leases_reaped_total')).toBe(1);
    expect(metrics.get('tickwork_skipped_occurrences_total')).toBe(await env.db.prisma.skippedOccurrence.count());

    expect(metrics.get('tickwork_run_duration_seconds_count')).toBe(db.success + db.failed);
    expect(metrics.get('tickwork_run_duration_seconds_sum')).toBeGreaterThan(0);
    expect(metrics.get('tickwork_run_duration_seconds_bucket{le="+Inf"}')).toBe(db.success + db.failed);
    // Five runs started a first attempt (the retry's second attempt is not a schedule delay).
    expect(metrics.get('tickwork_schedule_delay_seconds_count')).toBe(5);
    expect(metrics.get('tickwork_schedule_delay_seconds_sum')).toBeLessThan(5 * 10);
  });

  it('carries the Node default metrics', async () => {
    const metrics = await scrape();
    expect(metrics.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(metrics.has('nodejs_eventloop_lag_seconds')).toBe(true);
    expect(metrics.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('keeps one registry per app, so two apps in one process both serve their own', async () => {
    const other = await startTestServer(env.db);
    try {
      const [mine, theirs] = await Promise.all([scrape(), scrape(other.origin)]);
      expect(theirs.get('tickwork_runs_finished_total{status="success"}')).toBe(0);
      expect(mine.get('tickwork_runs_finished_total{status="success"}')).toBeGreaterThanOrEqual(0);
    } finally {
      await other.stop();
    }
  });

  it('answers only GET and HEAD', async () => {
    expect((await fetch(`${env.server.origin}/metrics`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${env.server.origin}/metrics`, { method: 'HEAD' })).status).toBe(200);
  });
});
