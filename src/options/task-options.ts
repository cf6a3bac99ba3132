import { cronFields, isValidTimeZone, splitCron, type CronText } from './cron.js';
import { formatDuration, NS_PER_SECOND, parseDuration, wholeSeconds } from './duration.js';
import { OptionsError } from './errors.js';
import { parseTaskRecord, type LiteralKind, type LiteralValues, type RecordNode } from './parser.js';
import { ZonedCron } from './zoned-cron.js';

export type Catchup = 'all' | 'latest' | 'none';

export interface TaskOptions {
  name: string;
  /** Interval in seconds (also set for cron `@every <duration>`). */
  every: number | null;
  /** Cron text as written in the script; null for `every`. */
  cron: string | null;
  /** Seconds, may be negative. */
  offset: number;
  concurrency: number;
  retry: number;
  /** IANA zone for cron; a `TZ=`/`CRON_TZ=` prefix of the cron text wins over the `timezone` key. */
  timezone: string;
  catchup: Catchup;
  /** Milliseconds (the duration rounded up); null = no timeout. */
  timeout: number | null;
  executor: string | null;
}

export const MAX_SCRIPT_BYTES = 262_144;
const CATCHUPS: readonly string[] = ['all', 'latest', 'none'] satisfies Catchup[];
const CRON_HORIZON_YEARS = 5;
const NS_PER_MS = 1_000_000n;

/** The record's values, each of the kind the key needs, before any range checks. */
interface RawOptions {
  name: string;
  every: bigint | null;
  cron: string | null;
  offset: bigint;
  concurrency: bigint;
  retry: bigint;
  timezone: string | null;
  catchup: string;
  timeout: bigint | null;
  executor: string | null;
}

type CronCheck = { every: bigint | null } | { problem: string };

/** Parses and validates the `option task` record of a script; throws OptionsError with the spec's texts. */
export function parseTaskOptions(script: string): TaskOptions {
  if (Buffer.byteLength(script, 'utf8') > MAX_SCRIPT_BYTES) {
    throw new OptionsError(`script exceeds maximum size of ${MAX_SCRIPT_BYTES} bytes`);
  }
  const raw = readRecord(parseTaskRecord(script));
  if (raw.cron !== null && raw.every !== null) throw new OptionsError('cannot use both cron and every in task options');
  if (raw.cron === null && raw.every === null) throw new OptionsError('cron or every is required');

  const cronText = raw.cron === null ? null : splitCron(raw.cron);
  const timezone = cronText?.zone ?? raw.timezone ?? 'UTC';
  const cronCheck = cronText === null ? null : checkCron(cronText, timezone);
  const every = cronCheck !== null && 'every' in cronCheck ? cronCheck.every : raw.every;
  const problems = listProblems(raw, cronCheck, every);
  if (problems.length > 0) throw new OptionsError(`invalid options: ${problems.join(', ')}`);

  return {
    name: raw.name,
    every: every === null ? null : wholeSeconds(every),
    cron: raw.cron,
    offset: wholeSeconds(raw.offset) ?? 0,
    concurrency: Number(raw.concurrency),
    retry: Number(raw.retry),
    timezone,
    catchup: raw.catchup as Catchup,
    timeout: raw.timeout === null ? null : Number((raw.timeout + NS_PER_MS - 1n) / NS_PER_MS),
    executor: raw.executor,
  };
}

function readRecord(record: RecordNode): RawOptions {
  const values = new Map(record.properties.map((property) => [property.key, property.value] as const));
  if (!values.has('name')) throw new OptionsError('missing name in task options');
  const read = <K extends LiteralKind>(key: string, kind: K): LiteralValues[K] | null => {
    const literal = values.get(key);
    if (literal === undefined) return null;
    if (literal.kind !== kind) throw new OptionsError(`unexpected kind: got "${literal.kind}" expected "${kind}"`);
    return literal.value as LiteralValues[K];
  };
  // Read in the order of the spec's table, so the first key of the wrong kind is the one reported.
  return {
    name: read('name', 'string') ?? '',
    every: read('every', 'duration'),
    cron: read('cron', 'string'),
    offset: read('offset', 'duration') ?? 0n,
    concurrency: read('concurrency', 'int') ?? 1n,
    retry: read('retry', 'int') ?? 1n,
    timezone: read('timezone', 'string'),
    catchup: read('catchup', 'string') ?? 'all',
    timeout: read('timeout', 'duration'),
    executor: read('executor', 'string'),
  };
}

/** Every range problem, in the order the spec lists them. */
function listProblems(raw: RawOptions, cronCheck: CronCheck | null, every: bigint | null): string[] {
  const problems: string[] = [];
  if (raw.name.trim() === '') problems.push('name required');
  if (cronCheck !== null && 'problem' in cronCheck) problems.push(`cron invalid: ${cronCheck.problem}`);
  if (every !== null && every < NS_PER_SECOND) problems.push('every option must be at least 1 second');
  else if (every !== null && wholeSeconds(every) === null) {
    problems.push('every option must be expressible as whole seconds');
  }
  if (wholeSeconds(raw.offset) === null) problems.push('offset option must be expressible as whole seconds');
  problems.push(...rangeProblems('concurrency', raw.concurrency, 100n), ...rangeProblems('retry', raw.retry, 10n));
  if (raw.timezone !== null && !isValidTimeZone(raw.timezone)) problems.push(`timezone invalid: ${raw.timezone}`);
  if (!CATCHUPS.includes(raw.catchup)) problems.push('catchup must be one of all, latest, none');
  if (raw.timeout !== null && raw.timeout <= 0n) problems.push('timeout must be positive');
  return problems;
}

/** The `@every` interval of a cron text, or null for a real cron; or why it is invalid. */
function checkCron(text: CronText, zone: string): CronCheck {
  if (text.zone !== null && !isValidTimeZone(text.zone)) return { problem: `unknown time zone ${text.zone}` };
  try {
    if (text.every !== null) return { every: parseDuration(text.every) };
    const fields = cronFields(text.body);
    const now = Math.floor(Date.now() / 1000);
    const horizon = new Date(now * 1000);
    horizon.setUTCFullYear(horizon.getUTCFullYear() + CRON_HORIZON_YEARS);
    // An invalid `timezone` key is reported on its own; check the fields in UTC then.
    const cron = new ZonedCron(fields, isValidTimeZone(zone) ? zone : 'UTC', horizon.getTime() / 1000);
    if (cron.next(now) === null) return { problem: `does not fire within ${CRON_HORIZON_YEARS} years` };
    return { every: null };
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
}

function rangeProblems(key: string, value: bigint, max: bigint): string[] {
  if (value < 1n) return [`${key} must be at least 1`];
  if (value > max) return [`${key} exceeded max of ${max}`];
  return [];
}

/** The cron text without its zone prefix, or `@every <Go duration>` for interval tasks. */
export function effectiveCron(options: TaskOptions): string {
  if (options.every !== null) return `@every ${formatDuration(BigInt(options.every) * NS_PER_SECOND)}`;
  return splitCron(options.cron ?? '').body;
}
