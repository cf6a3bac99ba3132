import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Config } from '../config/config.js';
import { LOCAL_EXECUTORS, LocalDispatcher, type Executor } from '../executors/index.js';
import type { Logger } from '../server/logger.js';
import type { LogWriter, SchedulerStore } from '../store/types.js';
import { Scheduler } from './scheduler.js';
import type { ScheduleSignals } from './signals.js';

export { Scheduler } from './scheduler.js';
export { ScheduleSignals } from './signals.js';

/** How this process schedules and executes runs. */
export interface SchedulingSettings {
  /** Executors this process runs itself, by name. */
  executors: Readonly<Record<string, Executor>>;
  /** The executor of tasks that name none. */
  defaultExecutor: string;
  leaseMs: number;
  cancelGraceMs: number;
  /** On shutdown, how long running attempts may go on before they are stopped. */
  drainMs: number;
}

export const DEFAULT_SCHEDULING: SchedulingSettings = {
  executors: {},
  defaultExecutor: 'worker',
  leaseMs: 30_000,
  cancelGraceMs: 30_000,
  drainMs: 5_000,
};

/** Attempts get half of the shutdown timeout to finish; the rest is for stopping them and closing down. */
export function schedulingSettings(config: Config): SchedulingSettings {
  return {
    executors: Object.fromEntries(config.executors.map((name) => [name, LOCAL_EXECUTORS[name]!])),
    defaultExecutor: config.defaultExecutor,
    leaseMs: config.leaseSeconds * 1000,
    cancelGraceMs: config.cancelGraceSeconds * 1000,
    drainMs: (config.shutdownTimeout * 1000) / 2,
  };
}

/** Scheduling as the services hold it: the settings, the store, and the signals that wake schedulers. */
export interface Scheduling extends SchedulingSettings {
  store: SchedulerStore & Pick<LogWriter, 'addRunLog'>;
  signals: ScheduleSignals;
}

/** This process's scheduler, with a dispatcher for its local executors if it has any. */
export function createScheduler(scheduling: Scheduling, log: Logger): Scheduler {
  const { store, executors, defaultExecutor, leaseMs, cancelGraceMs, signals } = scheduling;
  const holder = `${os.hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
  const dispatcher = Object.keys(executors).length > 0 ? new LocalDispatcher({ store, executors, defaultExecutor, holder, leaseMs, log }) : null;
  return new Scheduler({ store, dispatcher, signals, log: log.child({ component: 'scheduler' }), leaseMs, cancelGraceMs });
}
