import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, OptionsError, parseDuration, wholeSeconds } from '../../src/options/index.js';

const MS = 1_000_000n;
const S = 1_000_000_000n;
const M = 60n * S;
const H = 60n * M;
const D = 24n * H;

describe('formatDuration', () => {
  // Expected texts are Go's time.Duration.String() (time_test.go durationTests plus a few of ours).
  it.each([
    [0n, '0s'],
    [1n, '1ns'],
    [1100n, '1.1µs'],
    [2_200_000n, '2.2ms'],
    [1_000_000n, '1ms'],
    [1_500_000_000n, '1.5s'],
    [3_300_000_000n, '3.3s'],
    [4n * M + 5n * S, '4m5s'],
    [4n * M + 5001n * MS, '4m5.001s'],
    [5n * H + 6n * M + 7001n * MS, '5h6m7.001s'],
    [8n * M + 1n, '8m0.000000001s'],
    [M, '1m0s'],
    [-M, '-1m0s'],
    [H + 30n * M, '1h30m0s'],
    [2n * H, '2h0m0s'],
    [2n * D, '48h0m0s'],
    [-1n, '-1ns'],
    [2n ** 63n - 1n, '2562047h47m16.854775807s'],
    [-(2n ** 63n), '-2562047h47m16.854775808s'],
  ])('%s ns → %s', (ns, text) => {
    expect(formatDuration(ns)).toBe(text);
  });
});

describe('parseDuration', () => {
  it.each([
    ['5s', 5n * S],
    ['1500ms', 1500n * MS],
    ['1h30m', H + 30n * M],
    ['1d', D],
    ['1w', 7n * D],
    ['1mo', 28n * D],
    ['1y', 364n * D],
    ['1y2mo3w4d5h6m7s8ms9us10ns', 364n * D + 56n * D + 21n * D + 4n * D + 5n * H + 6n * M + 7n * S + 8n * MS + 9010n],
    ['3µs', 3000n],
    ['3μs', 3000n],
    ['3us', 3000n],
    ['-1m0s', -M],
    ['+5s', 5n * S],
    ['1.5s', 1500n * MS],
    ['.5s', 500n * MS],
    ['1.s', S],
    ['0', 0n],
    ['0s', 0n],
    ['2562047h47m16.854775807s', 2n ** 63n - 1n],
    ['-9223372036854775808ns', -(2n ** 63n)],
  ])('%s → %s ns', (text, ns) => {
    expect(parseDuration(text)).toBe(ns);
  });

  it.each(['', '1', '-', '.s', 's', '1x', '1H', '1h 30m', '1.5', '9223372036854775808ns', '1h-30m', '--1s', '106751y'])(
    'rejects %j',
    (text) => {
      expect(() => parseDuration(text)).toThrow(new OptionsError(`invalid duration ${JSON.stringify(text)}`));
    },
  );

  it('round-trips every int64 duration through the Go rendering', () => {
    const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    const small = fc.bigInt({ min: -(10n ** 13n), max: 10n ** 13n });
    fc.assert(
      fc.property(fc.oneof(int64, small), (ns) => parseDuration(formatDuration(ns)) === ns),
      { numRuns: 10_000 },
    );
  });
});

describe('wholeSeconds', () => {
  it('gives whole seconds or null', () => {
    expect(wholeSeconds(-M)).toBe(-60);
    expect(wholeSeconds(0n)).toBe(0);
    expect(wholeSeconds(1500n * MS)).toBeNull();
  });
});
