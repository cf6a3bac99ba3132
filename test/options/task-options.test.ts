import { describe, expect, it } from 'vitest';
import { effectiveCron, OptionsError, parseTaskOptions, type TaskOptions } from '../../src/options/index.js';

const task = (record: string, rest = '\nfrom(bucket: "b") |> range(start: -1h)\n') => `option task = {${record}}${rest}`;

function optionsError(script: string): string {
  try {
    parseTaskOptions(script);
  } catch (error) {
    expect(error).toBeInstanceOf(OptionsError);
    expect((error as Error).name).toBe('OptionsError');
    return (error as Error).message;
  }
  throw new Error('expected an OptionsError');
}

const defaults: TaskOptions = {
  name: 'a task',
  every: null,
  cron: null,
  offset: 0,
  concurrency: 1,
  retry: 1,
  timezone: 'UTC',
  catchup: 'all',
  timeout: null,
  executor: null,
};

describe('scenario 4: options parse exactly', () => {
  it('cron with concurrency, retry and a negative offset', () => {
    expect(parseTaskOptions(task('name: "a task", cron: "* * * * *", concurrency: 2, retry: 3, offset: -1m'))).toEqual({
      ...defaults,
      cron: '* * * * *',
      concurrency: 2,
      retry: 3,
      offset: -60,
    });
  });

  it('every with defaults', () => {
    expect(parseTaskOptions(task('name: "a task", every: 5s'))).toEqual({ ...defaults, every: 5 });
  });

  it('every optional key', () => {
    const script = task(
      'name: "a task", every: 1h, offset: 10m, concurrency: 100, retry: 10, timezone: "Europe/Berlin", ' +
        'catchup: "latest", timeout: 1500us, executor: "flux", unknown: 1.5',
    );
    expect(parseTaskOptions(script)).toEqual({
      ...defaults,
      every: 3600,
      offset: 600,
      concurrency: 100,
      retry: 10,
      timezone: 'Europe/Berlin',
      catchup: 'latest',
      timeout: 2,
      executor: 'flux',
    });
  });
});

describe('scenario 5: what the meta is made from', () => {
  it('cron task', () => {
    const options = parseTaskOptions(task('name: "a task", cron: "* * * * *", concurrency: 3, offset: 5s'));
    expect(options).toMatchObject({ concurrency: 3, offset: 5 });
    expect(effectiveCron(options)).toBe('* * * * *');
  });

  it('every task', () => {
    expect(effectiveCron(parseTaskOptions(task('name: "a", every: 5m')))).toBe('@every 5m0s');
    expect(effectiveCron(parseTaskOptions(task('name: "a", every: 2d')))).toBe('@every 48h0m0s');
  });
});

describe('scenario 4: each problem its error', () => {
  it.each([
    ['name: "a", every: 5s, cron: "* * * * *"', 'cannot use both cron and every in task options'],
    ['name: "a"', 'cron or every is required'],
    ['name: "a", every: 1m, concurrency: 1000', 'invalid options: concurrency exceeded max of 100'],
    ['name: "a", every: 1m, concurrency: 0', 'invalid options: concurrency must be at least 1'],
    ['name: "a", every: 1m, retry: 0', 'invalid options: retry must be at least 1'],
    ['name: "a", every: 1m, retry: 20', 'invalid options: retry exceeded max of 10'],
    ['name: "a", every: 1', 'unexpected kind: got "int" expected "duration"'],
    ['name: "a", every: 1500ms', 'invalid options: every option must be expressible as whole seconds'],
    ['name: "a", every: 1m, offset: 1.5s', 'invalid options: offset option must be expressible as whole seconds'],
    ['name: "a", every: -1m', 'invalid options: every option must be at least 1 second'],
    ['name: "a", every: 500ms', 'invalid options: every option must be at least 1 second'],
    ['name: "a", cron: "0 0 31 2 *"', 'invalid options: cron invalid: Invalid explicit day of month definition'],
    ['name: "a", cron: "* * * * *", timezone: "Mars/Base"', 'invalid options: timezone invalid: Mars/Base'],
    ['name: "a", every: 1m, catchup: "some"', 'invalid options: catchup must be one of all, latest, none'],
    ['name: "a", every: 1m, timeout: 0s', 'invalid options: timeout must be positive'],
    ['name: "a", every: 1m, timeout: -1s', 'invalid options: timeout must be positive'],
    ['name: "", every: 1m', 'invalid options: name required'],
    ['name: "  ", every: 1m', 'invalid options: name required'],
  ])('%s', (record, message) => {
    expect(optionsError(task(record))).toBe(message);
  });

  it('lists several problems at once, in the order of the spec', () => {
    const record =
      'timeout: 0s, catchup: "x", timezone: "Mars/Base", retry: 11, concurrency: 0, offset: 1.5s, every: 1500ms, name: ""';
    expect(optionsError(task(record))).toBe(
      'invalid options: name required, every option must be expressible as whole seconds, ' +
        'offset option must be expressible as whole seconds, concurrency must be at least 1, retry exceeded max of 10, ' +
        'timezone invalid: Mars/Base, catchup must be one of all, latest, none, timeout must be positive',
    );
    expect(optionsError(task('name: "", cron: "* * *", concurrency: 101, retry: 0'))).toBe(
      'invalid options: name required, cron invalid: expected 5 or 6 fields, got 3, concurrency exceeded max of 100, retry must be at least 1',
    );
  });
});

describe('first failure wins', () => {
  it.each([
    ['no option statement beats everything', 'x = 1', "missing required option: 'task'"],
    ['a parse error beats a missing name', 'option task = {every: 1m,, }', 'error parsing option task at 1:26: expected identifier or "}" but got ","'],
    ['a missing name beats a wrong kind', task('every: 1, cron: 2'), 'missing name in task options'],
    ['a wrong kind beats every+cron', task('name: "a", every: 1m, cron: "* * * * *", retry: "3"'), 'unexpected kind: got "string" expected "int"'],
    ['kinds are checked in table order', task('retry: 1.5, name: 5, every: "1m"'), 'unexpected kind: got "int" expected "string"'],
    ['every+cron beats group 5', task('name: "", every: 1m, cron: "* * * * *", concurrency: 0'), 'cannot use both cron and every in task options'],
    ['neither beats group 5', task('name: "", concurrency: 0'), 'cron or every is required'],
  ])('%s', (_, script, message) => {
    expect(optionsError(script)).toBe(message);
  });

  it.each([
    ['name', 'name: 1', 'int', 'string'],
    ['every', 'every: "1m"', 'string', 'duration'],
    ['cron', 'cron: true', 'bool', 'string'],
    ['offset', 'every: 1m, offset: 5', 'int', 'duration'],
    ['concurrency', 'every: 1m, concurrency: 1.0', 'float', 'int'],
    ['retry', 'every: 1m, retry: 1s', 'duration', 'int'],
    ['timezone', 'every: 1m, timezone: 0', 'int', 'string'],
    ['catchup', 'every: 1m, catchup: false', 'bool', 'string'],
    ['timeout', 'every: 1m, timeout: 30', 'int', 'duration'],
    ['executor', 'every: 1m, executor: 1', 'int', 'string'],
  ])('%s has a kind', (key, record, got, wanted) => {
    const script = task(key === 'name' ? `${record}, every: 1m` : `name: "a", ${record}`);
    expect(optionsError(script)).toBe(`unexpected kind: got "${got}" expected "${wanted}"`);
  });
});

describe('cron forms', () => {
  const cronOptions = (cron: string, extra = '') => parseTaskOptions(task(`name: "a", cron: ${JSON.stringify(cron)}${extra}`));

  const accepted = ['0 * * * *', '*/5 1-3 * JAN-MAR MON-FRI', '30 0 0 1 1 *', '0 0 L * *', '0 0 * * 1#2', '0 0 29 2 *'];
  const descriptors = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
  it.each([...accepted, ...descriptors])(
    'accepts %j',
    (cron) => {
      const options = cronOptions(cron);
      expect(options.cron).toBe(cron);
      expect(options.every).toBeNull();
      expect(effectiveCron(options)).toBe(cron);
    },
  );

  it('treats @every like every', () => {
    const options = cronOptions('@every 1h30m');
    expect(options).toMatchObject({ cron: '@every 1h30m', every: 5400 });
    expect(effectiveCron(options)).toBe('@every 1h30m0s');
    expect(optionsError(task('name: "a", cron: "@every 1500ms"'))).toBe(
      'invalid options: every option must be expressible as whole seconds',
    );
    expect(optionsError(task('name: "a", cron: "@every 0s"'))).toBe('invalid options: every option must be at least 1 second');
    expect(optionsError(task('name: "a", cron: "@every soon"'))).toBe('invalid options: cron invalid: invalid duration "soon"');
  });

  it('takes the zone of a TZ= or CRON_TZ= prefix over the timezone key', () => {
    const tz = cronOptions('TZ=Europe/Berlin 0 2 * * *', ', timezone: "Asia/Tokyo"');
    expect(tz).toMatchObject({ cron: 'TZ=Europe/Berlin 0 2 * * *', timezone: 'Europe/Berlin' });
    expect(effectiveCron(tz)).toBe('0 2 * * *');
    expect(cronOptions('CRON_TZ=America/New_York @daily')).toMatchObject({ timezone: 'America/New_York' });
    expect(cronOptions('0 2 * * *', ', timezone: "Asia/Tokyo"').timezone).toBe('Asia/Tokyo');
  });

  it.each([
    ['', 'empty expression'],
    ['   ', 'empty expression'],
    ['TZ=UTC', 'empty expression'],
    ['* * * *', 'expected 5 or 6 fields, got 4'],
    ['* * * * * * *', 'expected 5 or 6 fields, got 7'],
    ['@reboot', 'unknown descriptor "@reboot"'],
    ['61 * * * *', 'Constraint error, got value 61 expected range 0-59'],
    ['* * * * foo', 'Validation error, cannot resolve alias "foo"'],
    ['0 0 * 2 1#5', 'does not fire within 5 years'],
    ['TZ=Mars/Base * * * * *', 'unknown time zone Mars/Base'],
  ])('rejects %j', (cron, reason) => {
    expect(optionsError(task(`name: "a", cron: ${JSON.stringify(cron)}`))).toBe(`invalid options: cron invalid: ${reason}`);
  });

  it('reports a bad timezone key once, not also as a cron problem', () => {
    expect(optionsError(task('name: "a", cron: "0 2 * * *", timezone: ""'))).toBe('invalid options: timezone invalid: ');
  });
});

describe('script size', () => {
  const header = 'option task = {name: "a", every: 1h}\n// ';

  it('accepts exactly 256 KiB and rejects one byte more', () => {
    const exact = header + 'x'.repeat(262_144 - header.length);
    expect(Buffer.byteLength(exact)).toBe(262_144);
    expect(parseTaskOptions(exact).every).toBe(3600);
    expect(optionsError(`${exact}x`)).toBe('script exceeds maximum size of 262144 bytes');
  });

  it('counts UTF-8 bytes, not characters', () => {
    const script = header + 'µ'.repeat(131_072);
    expect(script.length).toBeLessThan(262_144);
    expect(optionsError(script)).toBe('script exceeds maximum size of 262144 bytes');
  });

  it('checks the size before anything else', () => {
    expect(optionsError('x'.repeat(262_145))).toBe('script exceeds maximum size of 262144 bytes');
  });
});
