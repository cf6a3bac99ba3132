import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextTick, parseTaskOptions } from '../../src/options/index.js';

const after = fc.integer({ min: -1_000_000_000, max: 4_000_000_000 });
const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham'];

const field = (min: number, max: number) =>
  fc.oneof(
    fc.constant('*'),
    fc.integer({ min, max }).map(String),
    fc.integer({ min: 1, max: max - min + 1 }).map((step) => `*/${step}`),
    fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    fc.uniqueArray(fc.integer({ min, max }), { minLength: 2, maxLength: 4 }).map((values) => values.join(',')),
  );

const fiveFieldCron = fc
  .tuple(field(0, 59), field(0, 23), fc.oneof(fc.constant('*'), field(1, 28)), field(1, 12), field(0, 6))
  .map((fields) => fields.join(' '));

describe('nextTick properties', () => {
  it('every: strictly after the input, a multiple of the interval, and the first such', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 * 86_400 }), after, (every, from) => {
        const tick = nextTick({ every, cron: null, timezone: 'UTC' }, from);
        expect(tick).toBeGreaterThan(from);
        expect(Math.abs(tick % every)).toBe(0);
        expect(tick - every).toBeLessThanOrEqual(from);
      }),
      { numRuns: 10_000 },
    );
  });

  it('5-field cron: strictly after the input and on a minute boundary', () => {
    const from = fc.integer({ min: 0, max: 4_000_000_000 });
    fc.assert(
      fc.property(fiveFieldCron, fc.constantFrom(...zones), from, (cron, zone, start) => {
        const options = parseTaskOptions(`option task = {name: "p", cron: "${cron}", timezone: "${zone}"}`);
        const tick = nextTick(options, start);
        expect(tick).toBeGreaterThan(start);
        expect(tick % 60).toBe(0);
      }),
      { numRuns: 10_000 },
    );
  });

  it('6-field cron: strictly after the input', () => {
    const sixFieldCron = fc.tuple(field(0, 59), fiveFieldCron).map(([seconds, rest]) => `${seconds} ${rest}`);
    fc.assert(
      fc.property(sixFieldCron, fc.integer({ min: 0, max: 4_000_000_000 }), (cron, start) => {
        const options = parseTaskOptions(`option task = {name: "p", cron: "${cron}"}`);
        expect(nextTick(options, start)).toBeGreaterThan(start);
      }),
      { numRuns: 10_000 },
    );
  });
});
