import { nextTick, type Catchup, type TaskOptions } from '../../options/index.js';
import { rfc3339 } from '../errors.js';

// The scheduling rules of store.md §4.3–4.5 as pure functions over one task's state.

export type Schedule = Pick<TaskOptions, 'every' | 'cron' | 'timezone'>;

export interface SchedulingState {
  schedule: Schedule;
  offset: number;
  catchup: Catchup;
  active: boolean;
  latestCompleted: number;
  /** scheduledFor of the natural runs in progress. */
  naturalRunning: number[];
}

export interface Skip {
  scheduledFor: number;
  reason: string;
}

/** What the natural schedule asks for now: maybe a run, maybe ticks passed over. */
export interface NaturalPlan {
  run: number | null;
  skipped: Skip[];
  /** Raised past ticks that were all skipped, so they are not looked at again. */
  latestCompleted: number;
}

/** `none` still runs the newest tick when it became due at most this long ago. */
export const NONE_GRACE_SECONDS = 60;
/** Per call; beyond this, the remaining passed-over ticks are recorded as one range. */
export const MAX_SKIP_RECORDS = 1000;

export function latestScheduled(state: SchedulingState): number {
  return Math.max(state.latestCompleted, ...state.naturalRunning);
}

/** Tick + offset of the next natural run; null while inactive. */
export function nextDue(state: SchedulingState): number | null {
  return state.active ? nextTick(state.schedule, latestScheduled(state)) + state.offset : null;
}

/** Null when no natural tick is due at `now`; otherwise applies the catch-up policy (§4.4). */
export function planNatural(state: SchedulingState, now: number): NaturalPlan | null {
  const first = nextTick(state.schedule, latestScheduled(state));
  if (first + state.offset > now) return null;
  const { latestCompleted } = state;
  if (state.catchup === 'all') return { run: first, skipped: [], latestCompleted };

  const skips = new SkipRecorder(`catchup ${state.catchup}`);
  let newest = first;
  for (let next = nextTick(state.schedule, newest); next + state.offset <= now; next = nextTick(state.schedule, newest)) {
    skips.add(newest);
    newest = next;
  }
  if (state.catchup === 'latest' || now - (newest + state.offset) <= NONE_GRACE_SECONDS) {
    return { run: newest, skipped: skips.list(), latestCompleted };
  }
  skips.add(newest);
  return { run: null, skipped: skips.list(), latestCompleted: newest };
}

/** Passed-over ticks, oldest first: one record each up to the cap, then one record for the rest. */
class SkipRecorder {
  private readonly records: Skip[] = [];
  private rest: { first: number; last: number; count: number } | null = null;

  constructor(private readonly reason: string) {}

  add(tick: number): void {
    if (this.records.length < MAX_SKIP_RECORDS - 1) this.records.push({ scheduledFor: tick, reason: this.reason });
    else if (this.rest === null) this.rest = { first: tick, last: tick, count: 1 };
    else Object.assign(this.rest, { last: tick, count: this.rest.count + 1 });
  }

  list(): Skip[] {
    if (this.rest === null) return this.records;
    const { first, last, count } = this.rest;
    const reason = count === 1 ? this.reason : `${this.reason} (with the ${count - 1} ticks after it, through ${rfc3339(last)})`;
    return [...this.records, { scheduledFor: first, reason }];
  }
}

export interface RequestCursor {
  start: number;
  end: number;
  latestCompleted: number;
}

/** The next tick of a manual request (exactly `start` for a single time), and whether it is its last. */
export function nextRequestedTick(schedule: Schedule, request: RequestCursor): { tick: number; last: boolean } | null {
  if (request.start === request.end) return { tick: request.start, last: true };
  const tick = nextTick(schedule, Math.max(request.latestCompleted, request.start - 1));
  if (tick > request.end) return null;
  return { tick, last: nextTick(schedule, tick) > request.end };
}
