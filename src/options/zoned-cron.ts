import { CronExpressionParser, type CronExpression } from 'cron-parser';

const OUT_OF_RANGE_MESSAGE = 'Out of the time span range';
const DAY = 86_400;
const WEEK = 7 * DAY;
const YEAR = 366 * DAY;
const SEARCH_LIMIT = 5 * 366 * DAY;

/** Cron fields compiled for one zone, optionally only up to a horizon (Unix seconds). */
export class ZonedCron {
  private readonly expression: CronExpression;
  private readonly partialHourShifts: boolean;

  constructor(
    private readonly fields: string,
    private readonly zone: string,
    private readonly until = Infinity,
  ) {
    this.expression = this.compile(until);
    this.partialHourShifts = hasPartialHourShift(zone);
  }

  /** The first tick (Unix seconds) strictly after `after`, or null when there is none before the horizon. */
  next(after: number): number | null {
    if (!this.partialHourShifts) return this.checked(this.search(this.expression, after), after);
    // cron-parser's DST handling assumes whole-hour shifts and gives up after 10,000 steps (~0.4 s) on
    // the day of Lord Howe's half-hour fall-back. So there it searches only up to the start of each
    // day with an offset change, and that day is scanned minute by minute.
    const limit = Math.min(this.until, after + SEARCH_LIMIT);
    for (let from = after; from < limit; ) {
      const day = nextTransitionDay(this.zone, from);
      if (day === null) return this.search(this.expression, from);
      if (from < day.start) {
        const tick = this.search(this.compile(Math.min(day.start, limit)), from);
        if (tick !== null) return tick;
        from = day.start;
      }
      const end = Math.min(day.end, limit);
      const tick = this.matchesDate(day.date) ? this.scan(from, end) : null;
      if (tick !== null) return tick;
      from = end;
    }
    return null;
  }

  /**
   * cron-parser can answer a time at or before `after` next to an offset change off the whole hour in UTC
   * (Chatham's 03:45 fall-back, +13:45 to +12:45): then the next day is scanned minute by minute instead.
   */
  private checked(tick: number | null, after: number): number | null {
    if (tick === null || tick > after) return tick;
    return this.scan(after, Math.min(after + DAY, this.until)) ?? this.search(this.expression, Math.min(after + DAY, this.until));
  }

  // `H` fields are seeded with the expression itself so every process picks the same values.
  private compile(until: number): CronExpression {
    return CronExpressionParser.parse(this.fields, {
      tz: this.zone,
      hashSeed: this.fields,
      currentDate: new Date(0),
      ...(until === Infinity ? {} : { endDate: new Date(until * 1000) }),
    });
  }

  private search(expression: CronExpression, after: number): number | null {
    expression.reset(new Date(after * 1000));
    try {
      return Math.floor(expression.next().getTime() / 1000);
    } catch (error) {
      if (error instanceof Error && error.message === OUT_OF_RANGE_MESSAGE) return null;
      throw error;
    }
  }

  /** Whether the day fields match a calendar date (given as its midnight UTC): a UTC copy ticks that day. */
  private matchesDate(date: number): boolean {
    return new ZonedCron(this.fields, 'UTC', date + DAY - 1).next(date - 1) !== null;
  }

  /** The first tick in (after, end], testing each minute with its first allowed second. */
  private scan(after: number, end: number): number | null {
    const seconds = this.expression.fields.second.values;
    for (let minute = Math.floor(after / 60) * 60; minute <= end; minute += 60) {
      if (!this.expression.includesDate(new Date((minute + (seconds[0] ?? 0)) * 1000))) continue;
      const second = seconds.find((value) => minute + value > after);
      if (second !== undefined && minute + second <= end) return minute + second;
    }
    return null;
  }
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** The UTC offset of `zone` at a Unix time, in minutes. */
function utcOffset(zone: string, at: number): number {
  let format = offsetFormats.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    offsetFormats.set(zone, format);
  }
  const name = format.formatToParts(new Date(at * 1000)).find((part) => part.type === 'timeZoneName')?.value;
  const match = /([+-])(\d\d):(\d\d)/.exec(name ?? '');
  return match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
}

/** Whether this year's winter and summer offsets of `zone` differ by a fraction of an hour. */
function hasPartialHourShift(zone: string): boolean {
  const year = new Date().getUTCFullYear();
  return (utcOffset(zone, Date.UTC(year, 0, 1) / 1000) - utcOffset(zone, Date.UTC(year, 6, 1) / 1000)) % 60 !== 0;
}

const localMidnight = (at: number, offsetMinutes: number): number =>
  Math.floor((at + offsetMinutes * 60) / DAY) * DAY - offsetMinutes * 60;

interface TransitionDay {
  /** Local midnight before and after the offset change (Unix seconds). */
  start: number;
  end: number;
  /** The local calendar date, as midnight UTC of that date. */
  date: number;
}

/** The local day of the first UTC-offset change whose day ends after `after` (within a year); null if none. */
function nextTransitionDay(zone: string, after: number): TransitionDay | null {
  let low = after - DAY;
  let initial = utcOffset(zone, low);
  for (let high = low + WEEK; high < after + YEAR; high = low + WEEK) {
    if (utcOffset(zone, high) === initial) {
      low = high;
      continue;
    }
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (utcOffset(zone, middle) === initial) low = middle;
      else high = middle;
    }
    const changed = utcOffset(zone, high);
    const start = localMidnight(low, initial);
    const day = { start, end: localMidnight(high, changed) + DAY, date: start + initial * 60 };
    if (day.end > after) return day;
    low = high;
    initial = changed;
  }
  return null;
}
