import path from 'node:path';

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

/** Reads and validates the whole configuration once; throws ConfigError naming the bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    host: env.HOST?.trim() || '127.0.0.1',
    port: integer(env, 'PORT', 4000, 0, 65535),
    databaseUrl: serviceUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    dataDir: path.resolve(env.TICKWORK_DATA_DIR?.trim() || '.tickwork/data'),
    redisUrl: serviceUrl(env, 'REDIS_URL', ['redis:', 'rediss:']),
    tokenFile: path.resolve(env.TICKWORK_TOKEN_FILE?.trim() || '.tickwork/admin-token'),
    poolSize: integer(env, 'DATABASE_POOL_SIZE', 8, 1, 200),
    logLevel: logLevel(env),
    shutdownTimeout: integer(env, 'SHUTDOWN_TIMEOUT', 10, 1, 3600),
  };
}
