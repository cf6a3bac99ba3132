import { OptionsError } from './errors.js';

// Durations are int64 nanoseconds, as in Go and Flux.
const NS_PER_US = 1_000n;
const NS_PER_MS = 1_000_000n;
export const NS_PER_SECOND = 1_000_000_000n;
const NS_PER_MINUTE = 60n * NS_PER_SECOND;
const NS_PER_HOUR = 60n * NS_PER_MINUTE;
const NS_PER_DAY = 24n * NS_PER_HOUR;

const MIN_DURATION = -(2n ** 63n);
export const MAX_DURATION = 2n ** 63n - 1n;

const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', NS_PER_US],
  ['\u00b5s', NS_PER_US],
  ['\u03bcs', NS_PER_US],
  ['ms', NS_PER_MS],
  ['s', NS_PER_SECOND],
  ['m', NS_PER_MINUTE],
  ['h', NS_PER_HOUR],
  ['d', NS_PER_DAY],
  ['w', 7n * NS_PER_DAY],
  ['mo', 28n * NS_PER_DAY],
  ['y', 364n * NS_PER_DAY],
]);

// More digits than this cannot fit in int64 nanoseconds (integer part) or change the result by a
// whole nanosecond (fraction), so longer runs are cut before BigInt conversion stays cheap.
const MAX_INT_DIGITS = 20;
const MAX_FRACTION_DIGITS = 20;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isUnitChar = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || c === '\u00b5' || c === '\u03bc');

/**
 * Magnitude of an unsigned duration text such as `1h30m`, `1.5s` or `0`, or null when the text is
 * malformed or above 2^63 ns (the magnitude of the most negative duration).
 */
export function durationMagnitude(text: string): bigint | null {
  if (text === '0') return 0n;
  if (text.length === 0) return null;
  let total = 0n;
  let i = 0;
  while (i < text.length) {
    const intStart = i;
    while (isDigit(text[i])) i++;
    const intDigits = text.slice(intStart, i).replace(/^0+/, '');
    let fracDigits = '';
    if (text[i] === '.') {
      const fracStart = ++i;
      while (isDigit(text[i])) i++;
      fracDigits = text.slice(fracStart, Math.min(i, fracStart + MAX_FRACTION_DIGITS));
    }
    if (i === intStart || text.slice(intStart, i) === '.') return null;
    const unitStart = i;
    while (isUnitChar(text[i])) i++;
    const unit = UNITS.get(text.slice(unitStart, i));
    if (unit === undefined || intDigits.length > MAX_INT_DIGITS) return null;
    total += BigInt(intDigits || '0') * unit;
    if (fracDigits !== '') total += (BigInt(fracDigits) * unit) / 10n ** BigInt(fracDigits.length);
    if (total > -MIN_DURATION) return null;
  }
  return total;
}

/** Parses Flux duration literals and Go duration strings (`-1m0s`, `1.5µs`) into nanoseconds. */
export function parseDuration(text: string): bigint {
  const negative = text.startsWith('-');
  const unsigned = negative || text.startsWith('+') ? text.slice(1) : text;
  const magnitude = durationMagnitude(unsigned);
  const value = magnitude === null ? null : negative ? -magnitude : magnitude;
  if (value === null || value > MAX_DURATION) throw new OptionsError(`invalid duration ${JSON.stringify(text)}`);
  return value;
}

/** Renders like Go's time.Duration.String(): `1h30m0s`, `1.5s`, `-1m0s`, `0s`; never days. */
export function formatDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const sign = ns < 0n ? '-' : '';
  const u = ns < 0n ? -ns : ns;
  if (u < NS_PER_US) return `${sign}${u}ns`;
  if (u < NS_PER_MS) return `${sign}${decimal(u, NS_PER_US)}\u00b5s`;
  if (u < NS_PER_SECOND) return `${sign}${decimal(u, NS_PER_MS)}ms`;
  const seconds = `${decimal(u % NS_PER_MINUTE, NS_PER_SECOND)}s`;
  const minutes = u / NS_PER_MINUTE;
  if (minutes === 0n) return sign + seconds;
  const hours = minutes / 60n;
  return `${sign}${hours > 0n ? `${hours}h` : ''}${minutes % 60n}m${seconds}`;
}

/** `value / unit` in decimal without trailing fraction zeros (Go's fmtFrac + fmtInt). */
function decimal(value: bigint, unit: bigint): string {
  const whole = value / unit;
  const fraction = value % unit;
  if (fraction === 0n) return whole.toString();
  const width = unit.toString().length - 1;
  return `${whole}.${fraction.toString().padStart(width, '0').replace(/0+$/, '')}`;
}

/** Renders a duration as a Flux literal the script parser accepts (`1h30m`, `-1s500ms`). */
export function fluxDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  let rest = ns < 0n ? -ns : ns;
  let text = ns < 0n ? '-' : '';
  for (const [unit, size] of FLUX_UNITS) {
    if (rest >= size) {
      text += `${rest / size}${unit}`;
      rest %= size;
    }
  }
  return text;
}

const FLUX_UNITS: ReadonlyArray<readonly [string, bigint]> = [
  ['h', NS_PER_HOUR],
  ['m', NS_PER_MINUTE],
  ['s', NS_PER_SECOND],
  ['ms', NS_PER_MS],
  ['us', NS_PER_US],
  ['ns', 1n],
];

/** Whole seconds of a duration, or null when it has a sub-second remainder. */
export function wholeSeconds(ns: bigint): number | null {
  return ns % NS_PER_SECOND === 0n ? Number(ns / NS_PER_SECOND) : null;
}
