import path from 'node:path';
import { LOCAL_EXECUTORS } from '../executors/local.js';

/** Raised for a bad setting; the CLI prints its message alone and exits non-zero. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  host: string;
  port: number;
  /** Postgres to use; null means the embedded PGlite database in `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  /** Redis for relaying run events between server processes; null relays them through Postgres NOTIFY. */
  redisUrl: string | null;
  /** Where the embedded default writes the all-access token it creates on first start. */
  tokenFile: string;
  /** Connections in the Prisma pool. */
  poolSize: number;
  logLevel: LogLevel;
  /** Seconds that shutdown may take before the process exits anyway. */
  shutdownTimeout: number;
  /** Whether this process runs a scheduler (creates due runs, reaps lost attempts, runs its executors). */
  scheduler: boolean;
  /** Executors this process runs itself (`shell`, `noop`). Default: `shell` on the embedded database, none otherwise. */
  executors: string[];
  /** The executor of tasks that name none. Default: `shell` on the embedded database, `worker` otherwise. */
  defaultExecutor: string;
  /** How long an attempt's lease lasts without a heartbeat (renewed every third of it). */
  leaseSeconds: number;
  /** How long a started run may take to stop after a cancel before it is marked canceled anyway. */
  cancelGraceSeconds: number;
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

/** The URL in `name`, or null when unset; refuses anything but the given schemes ("postgres:", …). */
function serviceUrl(env: NodeJS.ProcessEnv, name: string, schemes: string[]): string | null {
  const raw = env[name]?.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (!schemes.includes(url.protocol)) {
    throw new ConfigError(`${name} must be a ${schemes.map((s) => `${s}//`).join(' or ')} URL, got "${url.protocol}"`);
  }
  return raw;
}

export function logLevel(env: NodeJS.ProcessEnv): LogLevel {
  const raw = (env.LOG_LEVEL ?? 'info').trim().toLowerCase();
  if (!LOG_LEVELS.includes(raw as LogLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  }
  return raw as LogLevel;
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (raw !== 'on' && raw !== 'off') throw new ConfigError(`${name} must be on or off, got "${env[name]}"`);
  return raw === 'on';
}

/** Executor names (`shell`, `worker:<queue>`…); worker IDs follow the same rule. */
export const EXECUTOR_NAME = /^[A-Za-z0-9_.:@-]{1,100}$/;

function localExecutors(env: NodeJS.ProcessEnv, fallback: string[]): string[] {
  const raw = env.TICKWORK_EXECUTORS;
  if (raw === undefined) return fallback;
  const names = raw.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.find((name) => !(name in LOCAL_EXECUTORS));
  if (unknown !== undefined) {
    throw new ConfigError(`TICKWORK_EXECUTORS: unknown executor "${unknown}" (this server can run: ${Object.keys(LOCAL_EXECUTORS).join(', ')})`);
  }
  return [...new Set(names)];
}

function defaultExecutor(env: NodeJS.ProcessEnv, fallback: string): string {
  const raw = env.TICKWORK_DEFAULT_EXECUTOR?.trim();
  if (!raw) return fallback;
  if (!EXECUTOR_NAME.test(raw)) throw new ConfigError(`TICKWORK_DEFAULT_EXECUTOR must be 1 to 100 of A-Z a-z 0-9 _ . : @ -, got "${raw}"`);
  return raw;
}

/** Reads and validates the whole configuration once; throws ConfigError naming the bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = serviceUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  // Embedded, a newcomer sees runs happen at once (scheduler.md §5); with DATABASE_URL, scripts run only where enabled.
  const embedded = databaseUrl === null;
  return {
    host: env.HOST?.trim() || '127.0.0.1',
    port: integer(env, 'PORT', 4000, 0, 65535),
    databaseUrl,
    dataDir: path.resolve(env.TICKWORK_DATA_DIR?.trim() || '.tickwork/data'),
    redisUrl: serviceUrl(env, 'REDIS_URL', ['redis:', 'rediss:']),
    tokenFile: path.resolve(env.TICKWORK_TOKEN_FILE?.trim() || '.tickwork/admin-token'),
    poolSize: integer(env, 'DATABASE_POOL_SIZE', 8, 1, 200),
    logLevel: logLevel(env),
    shutdownTimeout: integer(env, 'SHUTDOWN_TIMEOUT', 10, 1, 3600),
    scheduler: onOff(env, 'TICKWORK_SCHEDULER', true),
    executors: localExecutors(env, embedded ? ['shell'] : []),
    defaultExecutor: defaultExecutor(env, embedded ? 'shell' : 'worker'),
    leaseSeconds: integer(env, 'TICKWORK_LEASE_SECONDS', 30, 3, 3600),
    cancelGraceSeconds: integer(env, 'TICKWORK_CANCEL_GRACE_SECONDS', 30, 0, 3600),
  };
}
