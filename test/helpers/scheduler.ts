import { afterAll, beforeAll } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { DEFAULT_SCHEDULING, type SchedulingSettings } from '../../src/scheduler/index.js';
import type { TickworkStore } from '../../src/server/services.js';
import type { Task } from '../../src/store/types.js';
import { createTestDatabase } from './database.js';
import { startTestServer, type TestServer } from './server.js';
import { seedTenant, type Tenant } from './tenant.js';

export interface SchedulerFixture {
  db: Database;
  server: TestServer;
  store: TickworkStore;
  tenant: Tenant;
  /** A task of the tenant with this `option task` record and shell body. */
  task(fields: string, body?: string, scheduleAfter?: number): Promise<Task>;
}

/** This test file's database and a server running a scheduler with these settings. */
export function useScheduler(settings: Partial<SchedulingSettings>, scheduler = true): SchedulerFixture {
  const f = {} as SchedulerFixture;
  beforeAll(async () => {
    f.db = await createTestDatabase();
    f.server = await startTestServer(f.db, { scheduler, scheduling: { ...DEFAULT_SCHEDULING, ...settings } });
    f.store = f.server.app.services.store;
    f.tenant = await seedTenant(f.server.app.services.accounts);
    f.task = (fields, body = 'true', scheduleAfter) =>
      f.store.createTask({ orgId: f.tenant.orgId, userId: f.tenant.userId, script: `option task = {${fields}}\n${body}\n`, scheduleAfter });
  });
  afterAll(async () => {
    await f.server?.stop();
    await f.db?.close();
  });
  return f;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Percentile `p` (0..1) of the values, nearest rank. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
