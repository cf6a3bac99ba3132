import { OptionsError } from './errors.js';

const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const ZONE_PREFIX = /^(?:CRON_TZ|TZ)=(\S*)\s*/;
const EVERY_PREFIX = /^@every(?:\s+|$)/;

export interface CronText {
  /** Zone from a `TZ=` / `CRON_TZ=` prefix. */
  zone: string | null;
  /** The text after the prefix, trimmed. */
  body: string;
  /** The duration text of `@every <duration>`. */
  every: string | null;
}

export function splitCron(text: string): CronText {
  const trimmed = text.trim();
  const prefix = ZONE_PREFIX.exec(trimmed);
  const body = prefix ? trimmed.slice(prefix[0].length) : trimmed;
  const every = EVERY_PREFIX.exec(body);
  return { zone: prefix ? (prefix[1] ?? '') : null, body, every: every ? body.slice(every[0].length) : null };
}

/** The 5- or 6-field form of a cron body (descriptors expanded); throws the reason it is invalid. */
export function cronFields(body: string): string {
  if (body === '') throw new OptionsError('empty expression');
  if (body.startsWith('@')) {
    const fields = DESCRIPTORS[body];
    if (fields === undefined) throw new OptionsError(`unknown descriptor ${JSON.stringify(body)}`);
    return fields;
  }
  const fields = body.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw new OptionsError(`expected 5 or 6 fields, got ${fields.length}`);
  }
  return fields.join(' ');
}

/** Whether `zone` is an IANA zone the runtime (and so cron-parser's Luxon) knows. */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
