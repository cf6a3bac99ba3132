import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OptionsError, parseTaskOptions } from '../../src/options/index.js';

const BUDGET_MS = 100;

/** Parses, requiring that it returns or throws OptionsError, within the time budget. */
function parsesOrFailsCleanly(script: string): void {
  const started = performance.now();
  try {
    parseTaskOptions(script);
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error;
  }
  expect(performance.now() - started).toBeLessThan(BUDGET_MS);
}

const validScripts = [
  'option task = {name: "a task", cron: "* * * * *", concurrency: 2, retry: 3, offset: -1m}\nfrom(bucket: "b")',
  'import "x"\n// c\noption task = {\n  name: "rollup",\n  every: 1h30m, // hourly-ish\n  offset: 10m,\n  timeout: 1500ms,\n}\ny = "}"',
  'option task = {name: "tz", cron: "TZ=Europe/Berlin 0 2 * * *", catchup: "latest", executor: "e\\"\\n"}',
  'a = /re"gex/\noption task = {"name": "q", cron: "@every 5m", retry: 10, timezone: "Asia/Tokyo"}',
];

// Fragments that steer random text towards the interesting corners of the grammar.
const fluxish = fc
  .array(
    fc.constantFrom(
      'option', 'task', ' ', '\n', '=', '{', '}', ':', ',', '"', '\\', '${', '//', '/', '-', '.', 'name', 'every',
      'cron', 'offset', 'retry', 'concurrency', 'timezone', '"a"', '1h', '5s', '1.5', '1mo', '42', 'true',
      '"* * * * *"', '"@every 1m"', '"TZ=Mars/Base @daily"', 'µs', '(', ')',
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));

const mutation = fc.record({
  at: fc.nat(),
  deleteCount: fc.nat({ max: 6 }),
  insert: fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('"', '{', '}', ',', ':', '//', '\n', '-', '${', '\\')),
});

const mutatedScript = fc
  .tuple(fc.constantFrom(...validScripts), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([script, mutations]) =>
    mutations.reduce((text, { at, deleteCount, insert }) => {
      const position = at % (text.length + 1);
      return text.slice(0, position) + insert + text.slice(position + deleteCount);
    }, script),
  );

describe('parseTaskOptions on arbitrary input returns or throws OptionsError, fast', () => {
  it('valid scripts parse', () => {
    for (const script of validScripts) expect(() => parseTaskOptions(script)).not.toThrow();
  });

  it('arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), parsesOrFailsCleanly), { numRuns: 10_000 });
  });

  it('arbitrary text after `option task = {`', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (tail) => parsesOrFailsCleanly(`option task = {${tail}`)),
      { numRuns: 10_000 },
    );
  });

  it('Flux-like token soup', () => {
    fc.assert(fc.property(fluxish, parsesOrFailsCleanly), { numRuns: 10_000 });
  });

  it('valid scripts with random insertions and deletions', () => {
    fc.assert(fc.property(mutatedScript, parsesOrFailsCleanly), { numRuns: 10_000 });
  });
});
