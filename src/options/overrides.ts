import { fluxDuration, parseDuration } from './duration.js';
import { OptionsError } from './errors.js';
import { parseTaskRecord, type PropertyNode, type RecordNode, type Span } from './parser.js';
import { parseTaskOptions, type TaskOptions } from './task-options.js';

/** undefined leaves a key untouched, null removes it; durations are duration texts (`30m`, `1h0m0s`). */
export interface OptionOverrides {
  name?: string | null;
  every?: string | null;
  cron?: string | null;
  offset?: string | null;
  concurrency?: number | null;
  retry?: number | null;
  timezone?: string | null;
  catchup?: string | null;
  timeout?: string | null;
}

type OverrideKey = keyof OptionOverrides;

// Also the order in which overrides are applied.
const OVERRIDE_KINDS = {
  name: 'string',
  every: 'duration',
  cron: 'string',
  offset: 'duration',
  concurrency: 'int',
  retry: 'int',
  timezone: 'string',
  catchup: 'string',
  timeout: 'duration',
} as const satisfies Record<OverrideKey, string>;

const RIVALS: Partial<Record<OverrideKey, OverrideKey>> = { every: 'cron', cron: 'every' };

/**
 * Rewrites only the `option task` record (every other byte of the script stays as it was) and
 * validates the result. Each override re-parses the script, so spans are always fresh.
 */
export function applyOverrides(script: string, overrides: OptionOverrides): { script: string; options: TaskOptions } {
  if (overrides.name === null) throw new OptionsError('missing name in task options');
  if (overrides.every != null && overrides.cron != null) {
    throw new OptionsError('cannot use both cron and every in task options');
  }
  let result = script;
  for (const key of Object.keys(OVERRIDE_KINDS) as OverrideKey[]) {
    const value = overrides[key];
    const rival = RIVALS[key];
    // Setting the rival replaces this key in place.
    if (value === null && rival !== undefined && overrides[rival] != null) continue;
    if (value === null) result = removeProperty(result, key);
    else if (value !== undefined) result = setProperty(result, key, literalFor(key, value));
  }
  return { script: result, options: parseTaskOptions(result) };
}

function literalFor(key: OverrideKey, value: string | number): string {
  const wanted = OVERRIDE_KINDS[key];
  if (wanted === 'int' && typeof value === 'number' && Number.isInteger(value)) return BigInt(value).toString();
  if (wanted === 'duration' && typeof value === 'string') return fluxDuration(parseDuration(value));
  if (wanted === 'string' && typeof value === 'string') return fluxString(value);
  const got = typeof value !== 'number' ? typeof value : Number.isInteger(value) ? 'int' : 'float';
  throw new OptionsError(`unexpected kind: got "${got}" expected "${wanted}"`);
}

const STRING_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '${': '\\${',
};

function fluxString(value: string): string {
  return `"${value.replace(/[\\"\n\r\t]|\$\{/g, (match) => STRING_ESCAPES[match] ?? match)}"`;
}

function findProperty(record: RecordNode, key: string): PropertyNode | undefined {
  return record.properties.find((property) => property.key === key);
}

function setProperty(script: string, key: OverrideKey, literal: string): string {
  const record = parseTaskRecord(script);
  const existing = findProperty(record, key);
  const rivalKey = RIVALS[key];
  const rival = rivalKey === undefined ? undefined : findProperty(record, rivalKey);
  if (existing === undefined && rival !== undefined) return splice(script, rival.span, `${key}: ${literal}`);
  const updated = existing
    ? splice(script, existing.value.span, literal)
    : appendProperty(script, record, `${key}: ${literal}`);
  return rival === undefined || rivalKey === undefined ? updated : removeProperty(updated, rivalKey);
}

function removeProperty(script: string, key: OverrideKey): string {
  const record = parseTaskRecord(script);
  const index = record.properties.findIndex((property) => property.key === key);
  const property = record.properties[index];
  if (property === undefined) return script;
  const end = property.comma === null ? property.span.end : property.comma + 1;

  // A property on a line of its own goes with its line, including a trailing comment.
  const lineStart = script.lastIndexOf('\n', property.span.start - 1) + 1;
  const lineEnd = script.indexOf('\n', end);
  const ownLine = isBlank(script.slice(lineStart, property.span.start)) && lineEnd >= 0;
  if (ownLine && /^[ \t]*(\/\/.*)?\r?$/.test(script.slice(end, lineEnd))) {
    return splice(script, { start: lineStart, end: lineEnd + 1 }, '');
  }
  if (property.comma !== null) {
    let after = end;
    while (script[after] === ' ' || script[after] === '\t') after++;
    return splice(script, { start: property.span.start, end: after }, '');
  }
  const previousComma = record.properties[index - 1]?.comma ?? property.span.start;
  return splice(script, { start: previousComma, end: property.span.end }, '');
}

/** Adds a property before the closing brace, one per line if the record is laid out that way. */
function appendProperty(script: string, record: RecordNode, text: string): string {
  const close = record.span.end - 1;
  const closeLineStart = script.lastIndexOf('\n', close - 1) + 1;
  const last = record.properties.at(-1);
  const multiLine = closeLineStart > record.span.start && isBlank(script.slice(closeLineStart, close));
  if (multiLine) {
    const indent = last === undefined ? `${leadingBlank(script, close)}    ` : leadingBlank(script, last.span.start);
    const newline = script[closeLineStart - 2] === '\r' ? '\r\n' : '\n';
    const withLine = insert(script, closeLineStart, `${indent}${text},${newline}`);
    return last === undefined || last.comma !== null ? withLine : insert(withLine, last.span.end, ',');
  }
  if (last === undefined) return insert(script, record.span.start + 1, text);
  if (last.comma !== null) return insert(script, last.comma + 1, ` ${text},`);
  return insert(script, last.span.end, `, ${text}`);
}

function isBlank(text: string): boolean {
  return /^[ \t]*$/.test(text);
}

/** The spaces and tabs that start the line holding `offset`. */
function leadingBlank(script: string, offset: number): string {
  const lineStart = script.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(script.slice(lineStart, offset))?.[0] ?? '';
}

function splice(script: string, span: Span, text: string): string {
  return script.slice(0, span.start) + text + script.slice(span.end);
}

function insert(script: string, at: number, text: string): string {
  return splice(script, { start: at, end: at }, text);
}
