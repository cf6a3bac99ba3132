import { cronFields, splitCron } from './cron.js';
import type { TaskOptions } from './task-options.js';
import { ZonedCron } from './zoned-cron.js';

type Schedule = Pick<TaskOptions, 'every' | 'cron' | 'timezone'>;

interface CompiledCron {
  cron: ZonedCron;
  /** The last answer: `tick` is the next tick for every input in [after, tick). */
  after: number;
  tick: number;
}

// Compiling a cron costs ~40 µs and a zoned reset + next() ~30 µs; the scheduler asks the same
// questions over and over, so keep recent expressions compiled and remember their last answer.
const MAX_CACHED = 1024;
const compiled = new Map<string, CompiledCron>();

function compiledCron(cron: string, zone: string): CompiledCron {
  const key = `${zone}\n${cron}`;
  let entry = compiled.get(key);
  if (entry === undefined) {
    entry = { cron: new ZonedCron(cronFields(splitCron(cron).body), zone), after: Infinity, tick: -Infinity };
    if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value!);
  } else compiled.delete(key);
  compiled.set(key, entry);
  return entry;
}

/**
 * The first tick strictly after `after` (Unix seconds). `every` ticks are the multiples of the interval
 * counted from the Unix epoch; cron ticks follow the task's zone, whatever the process's TZ.
 */
export function nextTick(options: Schedule, after: number): number {
  if (options.every !== null) {
    const sinceTick = ((after % options.every) + options.every) % options.every;
    return after - sinceTick + options.every;
  }
  if (options.cron === null) throw new TypeError('task options have neither every nor cron');
  const entry = compiledCron(options.cron, options.timezone);
  if (after >= entry.after && after < entry.tick) return entry.tick;
  const tick = entry.cron.next(after);
  if (tick === null) throw new Error(`cron "${options.cron}" has no tick after ${after}`);
  entry.after = after;
  entry.tick = tick;
  return tick;
}

/** Up to `limit` ticks in [start, end], oldest first. */
export function ticksBetween(options: Schedule, start: number, end: number, limit: number): number[] {
  const ticks: number[] = [];
  for (let tick = nextTick(options, start - 1); tick <= end && ticks.length < limit; tick = nextTick(options, tick)) {
    ticks.push(tick);
  }
  return ticks;
}
