import { openDatabase } from '../../src/db/database.js';
import { noopExecutor } from '../../src/executors/index.js';
import { DEFAULT_SCHEDULING } from '../../src/scheduler/index.js';
import { buildApp, type App } from '../../src/server/app.js';
import { createLogger } from '../../src/server/logger.js';
import type { Task } from '../../src/store/index.js';
import { seedTenant, type Tenant } from '../../test/helpers/tenant.js';

/** The real server (buildApp, as `tickwork serve` builds it) on a bench database, with one tenant. */
export interface TickworkServer {
  app: App;
  /** http://127.0.0.1:<port> */
  origin: string;
  tenant: Tenant;
  close(): Promise<void>;
}

/** As `TICKWORK_EXECUTORS=noop TICKWORK_DEFAULT_EXECUTOR=noop tickwork serve`: a scheduler running no-op attempts. */
const NOOP_SCHEDULING = { ...DEFAULT_SCHEDULING, executors: { noop: noopExecutor }, defaultExecutor: 'noop' };

export async function startTickwork(url: string, { poolSize = 8, scheduler = false } = {}): Promise<TickworkServer> {
  const db = await openDatabase({ databaseUrl: url, dataDir: '', poolSize });
  const app = await buildApp({ db, log: createLogger('silent'), scheduler, scheduling: NOOP_SCHEDULING });
  const port = await app.start(0);
  const tenant = await seedTenant(app.services.accounts);
  return {
    app,
    origin: `http://127.0.0.1:${port}`,
    tenant,
    async close() {
      await app.stop();
      await db.close();
    },
  };
}

export function taskScript(name: string, options: string): string {
  return `option task = {name: "${name}", ${options}}\nfrom(bucket: "bench") |> range(start: -1m)\n`;
}

/** `count` tasks of the tenant, created `parallel` at a time through the store. */
export async function createTasks(
  server: TickworkServer,
  count: number,
  options: (i: number) => string,
  extra: { scheduleAfter?: number } = {},
  parallel = 16,
): Promise<Task[]> {
  const { orgId, userId } = server.tenant;
  const tasks: Task[] = [];
  for (let from = 0; from < count; from += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - from) }, (_, k) =>
      server.app.services.store.createTask({ orgId, userId, script: taskScript(`bench-${from + k}`, options(from + k)), ...extra }),
    );
    tasks.push(...(await Promise.all(batch)));
  }
  return tasks;
}
