import { afterEach, describe, expect, it } from 'vitest';
import { nextTick, parseTaskOptions, ticksBetween, type TaskOptions } from '../../src/options/index.js';

const options = (record: string): TaskOptions => parseTaskOptions(`option task = {name: "t", ${record}}`);
const unix = (iso: string): number => Date.parse(iso) / 1000;
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

describe('every', () => {
  // Scenario 6: the first run is the first tick strictly after scheduleAfter.
  it.each([
    ['1m', 65, 120],
    ['1m', 60, 120],
    ['10s', 27, 30],
    ['2d', 172_801, 345_600],
    ['1h', -1, 0],
    ['1h', -3600, 0],
  ])('every %s after %i → %i', (every, after, expected) => {
    expect(nextTick(options(`every: ${every}`), after)).toBe(expected);
  });

  it('uses the interval of @every crons', () => {
    expect(nextTick(options('cron: "@every 5m"'), 301)).toBe(600);
  });
});

describe('cron', () => {
  it.each([
    ['* * * * *', 60, 120],
    ['* * * * *', 61, 120],
    ['*/15 * * * * *', 60, 75],
    ['0 * * * *', 0, 3600],
    ['@daily', 86_399, 86_400],
  ])('%s after %i → %i', (cron, after, expected) => {
    expect(nextTick(options(`cron: "${cron}"`), after)).toBe(expected);
  });

  it('follows the task time zone, from the key or the cron prefix', () => {
    const after = unix('2026-01-15T00:00:00Z');
    expect(iso(nextTick(options('cron: "0 9 * * *", timezone: "Asia/Tokyo"'), after))).toBe('2026-01-16T00:00:00.000Z');
    expect(iso(nextTick(options('cron: "TZ=America/New_York 0 9 * * *"'), after))).toBe('2026-01-15T14:00:00.000Z');
  });
});

describe('daylight saving time', () => {
  const berlin = options('cron: "0 2 * * *", timezone: "Europe/Berlin"');

  it('fires exactly once on the spring-forward day, when 02:00 does not exist', () => {
    // 2026-03-29 in Berlin runs from 23:00Z the day before to 22:00Z (clocks jump 02:00 → 03:00).
    const day = ticksBetween(berlin, unix('2026-03-28T23:00:00Z'), unix('2026-03-29T22:00:00Z') - 1, 10);
    expect(day.map(iso)).toEqual(['2026-03-29T01:00:00.000Z']);
    expect(ticksBetween(berlin, unix('2026-03-27T00:00:00Z'), unix('2026-03-30T23:00:00Z'), 10).map(iso)).toEqual([
      '2026-03-27T01:00:00.000Z',
      '2026-03-28T01:00:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:00:00.000Z',
    ]);
  });

  it('fires exactly once on the fall-back day, when 02:00 happens twice', () => {
    // 2026-10-25 in Berlin runs from 22:00Z the day before to 23:00Z (25 hours).
    const day = ticksBetween(berlin, unix('2026-10-24T22:00:00Z'), unix('2026-10-25T23:00:00Z') - 1, 10);
    expect(day).toHaveLength(1);
  });
});

describe("Lord Howe's half-hour DST change, where cron-parser alone gives up", () => {
  it('fires once a day through the fall-back day (2026-04-05, 02:00 → 01:30), quickly', () => {
    const lordHowe = options('cron: "0 2 * * *", timezone: "Australia/Lord_Howe"');
    const started = performance.now();
    const ticks = ticksBetween(lordHowe, unix('2026-04-02T00:00:00Z'), unix('2026-04-07T00:00:00Z'), 10);
    expect(performance.now() - started).toBeLessThan(100);
    expect(ticks.map(iso)).toEqual([
      '2026-04-02T15:00:00.000Z',
      '2026-04-03T15:00:00.000Z',
      '2026-04-04T15:30:00.000Z',
      '2026-04-05T15:30:00.000Z',
      '2026-04-06T15:30:00.000Z',
    ]);
  });

  it('ticks through the repeated half hour', () => {
    const halfHourly = options('cron: "*/30 * * * *", timezone: "Australia/Lord_Howe"');
    expect(ticksBetween(halfHourly, unix('2026-04-04T14:00:00Z'), unix('2026-04-04T16:00:00Z'), 10).map(iso)).toEqual([
      '2026-04-04T14:00:00.000Z',
      '2026-04-04T14:30:00.000Z',
      '2026-04-04T15:00:00.000Z',
      '2026-04-04T15:30:00.000Z',
      '2026-04-04T16:00:00.000Z',
    ]);
  });

  it('finds a tick a year away across both changes', () => {
    const april = options('cron: "0 2 1 4 *", timezone: "Australia/Lord_Howe"');
    const started = performance.now();
    expect(iso(nextTick(april, unix('2095-05-03T00:00:00Z')))).toBe('2096-03-31T15:30:00.000Z');
    expect(performance.now() - started).toBeLessThan(100);
  });
});

describe("Chatham's fall-back at 03:45 (+13:45 to +12:45), where cron-parser answers a time in the past", () => {
  it('ticks every hour through it, each strictly after the one before', () => {
    const hourly = options('cron: "0 * 1,2 * */1", timezone: "Pacific/Chatham"');
    expect(iso(nextTick(hourly, 2091013322))).toBe('2036-04-05T13:15:00.000Z');
    const ticks = ticksBetween(hourly, unix('2036-04-05T12:00:00Z'), unix('2036-04-05T16:00:00Z'), 10);
    expect(ticks.map(iso)).toEqual(['2036-04-05T12:15:00.000Z', '2036-04-05T13:15:00.000Z', '2036-04-05T14:15:00.000Z', '2036-04-05T15:15:00.000Z']);
  });

  it('runs a daily 03:00 once on the day the hour repeats', () => {
    const daily = options('cron: "0 3 * * *", timezone: "Pacific/Chatham"');
    const ticks = ticksBetween(daily, unix('2036-04-05T00:00:00Z'), unix('2036-04-06T23:59:59Z'), 10);
    expect(ticks.map(iso)).toEqual(['2036-04-05T13:15:00.000Z', '2036-04-06T14:15:00.000Z']);
  });
});

describe('process TZ does not matter', () => {
  const original = process.env.TZ;
  afterEach(() => {
    if (original === undefined) delete process.env.TZ;
    else process.env.TZ = original;
  });

  it('gives a UTC task the same ticks under any TZ', () => {
    const crons = ['0 2 * * *', '30 0 1 * *', '0 0 * * 0', '15 */3 * * *', '0 0 1 1 *'];
    const after = unix('2026-03-01T00:00:00Z');
    const ticks = (zone: string) => {
      process.env.TZ = zone;
      expect(new Date(0).getTimezoneOffset()).toBe(zone === 'UTC' ? 0 : 300);
      return crons.map((cron) => ticksBetween(options(`cron: "${cron}"`), after, after + 400 * 86_400, 20));
    };
    // New York first, so the cached expressions are compiled under the foreign zone.
    const newYork = ticks('America/New_York');
    expect(ticks('UTC')).toEqual(newYork);
    expect(newYork[0]?.[0]).toBe(unix('2026-03-01T02:00:00Z'));
    expect(newYork[4]).toEqual([unix('2027-01-01T00:00:00Z')]);
  });
});

describe('hashed fields', () => {
  it('pick the same values in every process', () => {
    const hashed = options('cron: "H H * * *"');
    const tick = nextTick(hashed, 0);
    expect(tick).toBeGreaterThan(0);
    expect(ticksBetween(hashed, 0, 3 * 86_400, 5)).toEqual([tick, tick + 86_400, tick + 2 * 86_400]);
  });
});

describe('ticksBetween', () => {
  const minutely = options('cron: "* * * * *"');

  it('includes both ends (scenario 23)', () => {
    expect(ticksBetween(minutely, 0, 130, 100)).toEqual([0, 60, 120]);
    expect(ticksBetween(minutely, 60, 120, 100)).toEqual([60, 120]);
    expect(ticksBetween(minutely, 100, 110, 100)).toEqual([]);
    expect(ticksBetween(options('every: 10s'), 25, 50, 100)).toEqual([30, 40, 50]);
  });

  it('stops at the limit', () => {
    expect(ticksBetween(minutely, 0, 86_400, 3)).toEqual([0, 60, 120]);
  });
});

describe('speed', () => {
  it('computes 30k cron ticks quickly', () => {
    const tasks = ['*/7 * * * *', '0 2 * * *', '0 9 * * 1-5'].map((cron) => options(`cron: "${cron}", timezone: "Europe/Berlin"`));
    const started = performance.now();
    let tick = 0;
    for (let i = 0; i < 30_000; i++) tick = nextTick(tasks[i % 3]!, 1_700_000_000 + i * 97);
    expect(tick).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
