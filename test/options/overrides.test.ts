import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOverrides, OptionsError, parseTaskOptions, type OptionOverrides } from '../../src/options/index.js';
import { parseTaskRecord } from '../../src/options/parser.js';

const BEFORE = 'import "strings"\n// header comment: option task = {name: "no"}\n';
const AFTER = '\n\n// body }\nfrom(bucket: "b")\n  |> range(start: -task.every) // "quoted"\n  |> filter(fn: (r) => r._m =~ /cpu"/)\n';

const multiLine = `${BEFORE}option task = {
    name: "rollup",
    cron: "* * * * *", // every minute
    offset:   5s,
    concurrency: 2
}${AFTER}`;

const inline = `${BEFORE}option task = {name: "rollup", cron: "* * * * *", offset: 5s}${AFTER}`;

function overridden(script: string, overrides: OptionOverrides): string {
  const result = applyOverrides(script, overrides);
  expect(result.options).toEqual(parseTaskOptions(result.script));
  return result.script;
}

describe('scenario 9: every on a cron task', () => {
  it('replaces cron by every in a multi-line record, keeping every other byte', () => {
    expect(overridden(multiLine, { every: '30m' })).toBe(`${BEFORE}option task = {
    name: "rollup",
    every: 30m, // every minute
    offset:   5s,
    concurrency: 2
}${AFTER}`);
  });

  it('replaces cron by every in an inline record', () => {
    expect(overridden(inline, { every: '30m' })).toBe(`${BEFORE}option task = {name: "rollup", every: 30m, offset: 5s}${AFTER}`);
    expect(applyOverrides(inline, { every: '30m' }).options).toMatchObject({ every: 1800, cron: null, offset: 5 });
  });

  it('and cron on an every task', () => {
    const script = 'option task = {name: "a", every: 1h, retry: 2}\nx';
    expect(overridden(script, { cron: 'TZ=Europe/Berlin 0 2 * * *' })).toBe(
      'option task = {name: "a", cron: "TZ=Europe/Berlin 0 2 * * *", retry: 2}\nx',
    );
  });

  it('switches in place when the other key is removed explicitly', () => {
    expect(overridden(multiLine, { every: '1h', cron: null })).toBe(multiLine.replace('cron: "* * * * *"', 'every: 1h'));
    const every = 'option task = {name: "a", every: 1h, retry: 2}';
    expect(overridden(every, { every: null, cron: '@daily' })).toBe('option task = {name: "a", cron: "@daily", retry: 2}');
  });

  it('keeps CRLF line endings', () => {
    const crlf = 'option task = {\r\n  name: "a",\r\n  every: 1h\r\n}\r\n';
    expect(overridden(crlf, { retry: 2 })).toBe('option task = {\r\n  name: "a",\r\n  every: 1h,\r\n  retry: 2,\r\n}\r\n');
    const withRetry = crlf.replace('1h', '1h,\r\n  retry: 2 // r');
    expect(overridden(withRetry, { retry: null })).toBe('option task = {\r\n  name: "a",\r\n  every: 1h,\r\n}\r\n');
  });

  it('removes the other key when both were written', () => {
    const script = 'option task = {name: "a", every: 1h, cron: "* * * * *"}';
    expect(overridden(script, { every: '2h' })).toBe('option task = {name: "a", every: 2h}');
    expect(overridden(script, { cron: '@daily' })).toBe('option task = {name: "a", cron: "@daily"}');
  });
});

describe('setting values', () => {
  it('changes only the value of an existing key', () => {
    expect(overridden(multiLine, { offset: '1m30s', concurrency: 7, name: 'say "hi" \\ ${x}\n' })).toBe(`${BEFORE}option task = {
    name: "say \\"hi\\" \\\\ \\\${x}\\n",
    cron: "* * * * *", // every minute
    offset:   1m30s,
    concurrency: 7
}${AFTER}`);
    expect(applyOverrides(multiLine, { name: 'say "hi" \\ ${x}\n' }).options.name).toBe('say "hi" \\ ${x}\n');
  });

  it('appends new keys on their own lines in a multi-line record', () => {
    expect(overridden(multiLine, { retry: 3, timezone: 'Europe/Berlin', timeout: '90s' })).toBe(`${BEFORE}option task = {
    name: "rollup",
    cron: "* * * * *", // every minute
    offset:   5s,
    concurrency: 2,
    retry: 3,
    timezone: "Europe/Berlin",
    timeout: 1m30s,
}${AFTER}`);
    const trailingComma = 'option task = {\n\tname: "a",\n\tevery: 1h, // hourly\n}';
    expect(overridden(trailingComma, { catchup: 'none' })).toBe('option task = {\n\tname: "a",\n\tevery: 1h, // hourly\n\tcatchup: "none",\n}');
  });

  it('appends new keys inline in an inline record', () => {
    expect(overridden(inline, { retry: 3, catchup: 'latest' })).toBe(
      `${BEFORE}option task = {name: "rollup", cron: "* * * * *", offset: 5s, retry: 3, catchup: "latest"}${AFTER}`,
    );
    expect(overridden('option task = { name: "a", every: 1h, }', { retry: 3 })).toBe('option task = { name: "a", every: 1h, retry: 3, }');
    expect(overridden('option task = {}', { name: 'x', every: '1m' })).toBe('option task = {name: "x", every: 1m}');
  });

  it('writes durations as Flux literals', () => {
    const script = 'option task = {name: "a", every: 1h}';
    expect(overridden(script, { every: '1h30m0s', offset: '-1m0s' })).toBe('option task = {name: "a", every: 1h30m, offset: -1m}');
    expect(overridden(script, { every: '2d' })).toBe('option task = {name: "a", every: 48h}');
  });

  it('matches quoted keys', () => {
    expect(overridden('option task = {"name": "a", "every": 1h}', { every: '2h' })).toBe('option task = {"name": "a", "every": 2h}');
  });
});

describe('removing keys', () => {
  it('removes a key on its own line together with its line and comment', () => {
    expect(overridden(multiLine, { offset: null, every: '1h' })).toBe(`${BEFORE}option task = {
    name: "rollup",
    every: 1h, // every minute
    concurrency: 2
}${AFTER}`);
    expect(overridden(multiLine, { concurrency: null })).toBe(`${BEFORE}option task = {
    name: "rollup",
    cron: "* * * * *", // every minute
    offset:   5s,
}${AFTER}`);
  });

  it('removes inline keys with their comma', () => {
    expect(overridden(inline, { offset: null })).toBe(`${BEFORE}option task = {name: "rollup", cron: "* * * * *"}${AFTER}`);
    const middle = 'option task = {name: "a", offset: 5s, every: 1h}';
    expect(overridden(middle, { offset: null })).toBe('option task = {name: "a", every: 1h}');
    expect(overridden(middle, { timeout: null, retry: null })).toBe(middle);
  });

  it('defaults what was removed', () => {
    const script = 'option task = {name: "a", every: 1h, timezone: "Asia/Tokyo", concurrency: 4}';
    expect(applyOverrides(script, { timezone: null, concurrency: null }).options).toMatchObject({ timezone: 'UTC', concurrency: 1 });
  });
});

describe('invalid overrides', () => {
  const script = 'option task = {name: "a", every: 1h}\nbody';

  it.each<[OptionOverrides, string]>([
    [{ name: null }, 'missing name in task options'],
    [{ every: '30m', cron: '* * * * *' }, 'cannot use both cron and every in task options'],
    [{ every: null }, 'cron or every is required'],
    [{ every: 'soon' }, 'invalid duration "soon"'],
    [{ every: '1500ms', concurrency: 0 }, 'invalid options: every option must be expressible as whole seconds, concurrency must be at least 1'],
    [{ name: '' }, 'invalid options: name required'],
    [{ retry: 1.5 }, 'unexpected kind: got "float" expected "int"'],
    [{ cron: '0 0 31 2 *' }, 'invalid options: cron invalid: Invalid explicit day of month definition'],
    [{ timezone: 'Mars/Base' }, 'invalid options: timezone invalid: Mars/Base'],
    [{ timeout: '0s' }, 'invalid options: timeout must be positive'],
  ])('%j → %s', (overrides, message) => {
    expect(() => applyOverrides(script, overrides)).toThrow(new OptionsError(message));
  });

  it('needs an option task statement', () => {
    expect(() => applyOverrides('x = 1', { every: '1h' })).toThrow(new OptionsError("missing required option: 'task'"));
  });

  it('leaves the script alone without overrides', () => {
    expect(applyOverrides(script, {}).script).toBe(script);
  });
});

describe('property: only the record changes', () => {
  const duration = fc.constantFrom('1s', '30m', '1h30m0s', '-1m', '1.5s', '0s', '2d', 'bad');
  const overrides: fc.Arbitrary<OptionOverrides> = fc.record(
    {
      name: fc.option(fc.string({ maxLength: 8 }), { nil: null }),
      every: fc.option(duration, { nil: null }),
      cron: fc.option(fc.constantFrom('* * * * *', '@hourly', 'TZ=Asia/Tokyo 0 9 * * *', '61 * * * *'), { nil: null }),
      offset: fc.option(duration, { nil: null }),
      concurrency: fc.option(fc.integer({ min: -2, max: 120 }), { nil: null }),
      retry: fc.option(fc.integer({ min: -2, max: 12 }), { nil: null }),
      timezone: fc.option(fc.constantFrom('UTC', 'Europe/Berlin', 'Mars/Base'), { nil: null }),
      catchup: fc.option(fc.constantFrom('all', 'latest', 'none', 'some'), { nil: null }),
      timeout: fc.option(duration, { nil: null }),
    },
    { requiredKeys: [] },
  );

  it('keeps every byte outside the record and validates the result', () => {
    fc.assert(
      fc.property(fc.constantFrom(multiLine, inline, 'option task = {\n  name: "a",\n  every: 1h\n}'), overrides, (script, changes) => {
        let result: ReturnType<typeof applyOverrides>;
        try {
          result = applyOverrides(script, changes);
        } catch (error) {
          expect(error).toBeInstanceOf(OptionsError);
          return;
        }
        const before = parseTaskRecord(script).span;
        const after = parseTaskRecord(result.script).span;
        expect(result.script.slice(0, after.start)).toBe(script.slice(0, before.start));
        expect(result.script.slice(after.end)).toBe(script.slice(before.end));
        for (const key of ['name', 'concurrency', 'retry', 'catchup'] as const) {
          if (changes[key] != null) expect(result.options[key]).toBe(changes[key]);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
