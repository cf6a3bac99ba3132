import { describe, expect, it } from 'vitest';
import { OptionsError, parseTaskOptions } from '../../src/options/index.js';

const SIZE = 262_144;

/** `prefix` followed by `unit` repeated up to exactly 256 KiB of ASCII. */
const fill = (unit: string, prefix = ''): string => (prefix + unit.repeat(SIZE / unit.length + 1)).slice(0, SIZE);

/** The outcome (options or OptionsError message) and how long it took. */
function timedParse(script: string): { outcome: string; ms: number } {
  const started = performance.now();
  let outcome: string;
  try {
    outcome = JSON.stringify(parseTaskOptions(script));
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error;
    outcome = error.message;
  }
  return { outcome, ms: performance.now() - started };
}

describe('adversarial 256 KiB inputs parse or fail in under 100 ms', () => {
  const header = 'option task = {name: "a", every: 1h}\n';
  it.each([
    ['nested braces', fill('{'), "missing required option: 'task'"],
    ['nested braces after the header', fill('{', header), null],
    ['quotes', fill('"'), "missing required option: 'task'"],
    ['comment slashes', fill('/'), "missing required option: 'task'"],
    ['regex-looking slashes', fill('\\/', '(/'), "missing required option: 'task'"],
    ['division slashes', fill('a/'), "missing required option: 'task'"],
    ['digits', fill('7'), "missing required option: 'task'"],
    ['repeated statement heads', fill('option task = {'), 'error parsing option task at 1:23: expected ":" but got "task"'],
    ['nested interpolations', fill('"${'), "missing required option: 'task'"],
    ['backslashes in a string', fill('\\', 'x = "'), "missing required option: 'task'"],
    [
      'digits as a value',
      fill('9', 'option task = {name: "a", every: 1h, retry: '),
      'error parsing option task at 1:45: integer literal out of range',
    ],
    [
      'a duration as a value',
      fill('1h', 'option task = {name: "a", every: '),
      `error parsing option task at 1:34: invalid duration "${'1h'.repeat(12)}…"`,
    ],
    [
      'minus signs as a value',
      fill('-', 'option task = {name: '),
      'error parsing option task at 1:23: expected a number or duration after "-" but got "-"',
    ],
    ['an unterminated name', fill('a', 'option task = {name: "'), 'error parsing option task at 1:22: unterminated string literal'],
    ['a huge name', `${fill('n', 'option task = {every: 1h, name: "').slice(0, SIZE - 2)}"}`, null],
    ['many properties', `${fill('x: 1, ', 'option task = {name: "a", every: 1h, ').slice(0, SIZE - 100)}}`, 'error parsing option task'],
    ['option task with ${ escapes', fill('\\${', 'option task = {every: 1h, name: "').slice(0, SIZE - 2) + '"}', null],
  ])('%s', (_, script, expected) => {
    expect(Buffer.byteLength(script)).toBeLessThanOrEqual(SIZE);
    const { outcome, ms } = timedParse(script);
    if (expected === null) expect(outcome.startsWith('{')).toBe(true);
    else expect(outcome.startsWith(expected)).toBe(true);
    expect(ms).toBeLessThan(100);
  });
});
