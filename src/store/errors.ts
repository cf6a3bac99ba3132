// Store errors carry the exact texts of ../shared/spec/store.md; clients parse some of them.

/** Base of every error the store raises on purpose; anything else is a bug. */
export class StoreError extends Error {
  override name = 'StoreError';
}

/** Bad input: the request is refused and nothing changed. */
export class ValidationError extends StoreError {
  override name = 'ValidationError';
}

export class InvalidIdError extends ValidationError {
  override name = 'InvalidIdError';
}

export class NotFoundError extends StoreError {
  override name = 'NotFoundError';
}

export class TaskNotFoundError extends NotFoundError {
  override name = 'TaskNotFoundError';
  constructor() {
    super('task not found');
  }
}

export class RunNotFoundError extends NotFoundError {
  override name = 'RunNotFoundError';
  constructor() {
    super('run not found');
  }
}

export class OrgNotFoundError extends NotFoundError {
  override name = 'OrgNotFoundError';
  constructor() {
    super('org not found');
  }
}

export class UserNotFoundError extends NotFoundError {
  override name = 'UserNotFoundError';
  constructor() {
    super('user not found');
  }
}

export class TaskInactiveError extends StoreError {
  override name = 'TaskInactiveError';
  constructor() {
    super('task is inactive');
  }
}

export class MaxConcurrencyError extends StoreError {
  override name = 'MaxConcurrencyError';
  constructor() {
    super('cannot create next run when max concurrency already reached');
  }
}

/** RFC 3339 in UTC without fractional seconds, as Go's time.RFC3339 prints it. */
export function rfc3339(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

export class RunNotYetDueError extends StoreError {
  override name = 'RunNotYetDueError';
  constructor(readonly dueAt: number) {
    super(`run not due until ${rfc3339(dueAt)}`);
  }
}

export class ManualQueueFullError extends StoreError {
  override name = 'ManualQueueFullError';
  constructor() {
    super('manual queue at capacity');
  }
}

const STILL_QUEUED = /^previous retry for start=(\S+) end=(\S+) has not yet finished$/;

export class RequestStillQueuedError extends StoreError {
  override name = 'RequestStillQueuedError';
  constructor(readonly start: number, readonly end: number) {
    super(`previous retry for start=${rfc3339(start)} end=${rfc3339(end)} has not yet finished`);
  }

  /** Reads the error back from its message (clients that only see the text do this). */
  static parse(message: string): RequestStillQueuedError | null {
    const m = STILL_QUEUED.exec(message);
    if (!m) return null;
    const [start, end] = [Date.parse(m[1]!), Date.parse(m[2]!)];
    if (Number.isNaN(start) || Number.isNaN(end)) return null;
    return new RequestStillQueuedError(start / 1000, end / 1000);
  }
}

export class RunNotFinishedError extends StoreError {
  override name = 'RunNotFinishedError';
  constructor() {
    super('run is still in progress');
  }
}
