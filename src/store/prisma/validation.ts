import { applyOverrides, OptionsError, parseTaskOptions, type OptionOverrides, type TaskOptions } from '../../options/index.js';
import { rfc3339, ValidationError } from '../errors.js';
import type { ID } from '../id.js';
import type { CreateTaskRequest, ListTasksRequest, TaskStatus, UpdateTaskRequest } from '../types.js';

// StoreValidator (store.md §4.1) and the bounds of the list operations: pure checks, before any query.

export interface CreateInput {
  orgId: ID;
  userId: ID;
  script: string;
  options: TaskOptions;
  status: TaskStatus;
  scheduleAfter: number | undefined;
}

export interface UpdateInput {
  id: ID;
  /** A new script, already validated. */
  script: string | undefined;
  status: TaskStatus | undefined;
  overrides: OptionOverrides | undefined;
}

/** Option errors keep their text; to callers they are validation errors like any other. */
function readingOptions<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof OptionsError) throw new ValidationError(error.message);
    throw error;
  }
}

/** The script with the overrides applied to its `option task` record, and the options it then has. */
export function scriptWithOptions(script: string, overrides: OptionOverrides | undefined): { script: string; options: TaskOptions } {
  if (overrides === undefined) return { script, options: readingOptions(() => parseTaskOptions(script)) };
  return readingOptions(() => applyOverrides(script, overrides));
}

function isId(id: ID | null | undefined): id is ID {
  return typeof id === 'bigint' && id > 0n;
}

function parseStatus(status: string | undefined): TaskStatus | undefined {
  if (status === undefined || status === '') return undefined;
  if (status === 'active' || status === 'inactive') return status;
  throw new ValidationError(`invalid task status: ${JSON.stringify(status)}`);
}

export function validateCreate(req: CreateTaskRequest): CreateInput {
  const missing: string[] = [];
  const options = req.script === '' ? undefined : scriptWithOptions(req.script, undefined).options;
  if (options === undefined) missing.push('script');
  if (!isId(req.orgId)) missing.push('organization ID');
  if (!isId(req.userId)) missing.push('user ID');
  if (missing.length > 0) throw new ValidationError(`missing required fields to create task: ${missing.join(', ')}`);
  if (req.scheduleAfter !== undefined) unixSeconds('scheduleAfter', req.scheduleAfter);
  return {
    orgId: req.orgId!,
    userId: req.userId!,
    script: req.script,
    options: options!,
    status: parseStatus(req.status) ?? 'active',
    scheduleAfter: req.scheduleAfter,
  };
}

export function validateUpdate(req: UpdateTaskRequest): UpdateInput {
  const missing: string[] = [];
  const script = req.script === '' ? undefined : req.script;
  const overrides = req.options !== undefined && Object.values(req.options).some((v) => v !== undefined) ? req.options : undefined;
  let status: TaskStatus | undefined;
  if (script === undefined && !req.status && overrides === undefined) {
    missing.push('script or status');
  } else {
    if (script !== undefined) scriptWithOptions(script, undefined);
    status = parseStatus(req.status);
  }
  if (!isId(req.id)) missing.push('task ID');
  if (missing.length > 0) throw new ValidationError(`missing required fields to modify task: ${missing.join(', ')}`);
  return { id: req.id!, script, status, overrides };
}

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 500;

export function taskPageSize(req: ListTasksRequest): number {
  if (req.orgId !== undefined && req.userId !== undefined) {
    throw new ValidationError('ListTasks: org and user filters are mutually exclusive');
  }
  const size = req.pageSize ?? 0;
  if (size < 0) throw new ValidationError('ListTasks: PageSize must be positive');
  if (size > MAX_PAGE_SIZE) throw new ValidationError(`ListTasks: PageSize exceeds maximum of ${MAX_PAGE_SIZE}`);
  return size === 0 ? DEFAULT_PAGE_SIZE : Math.floor(size);
}

/** A list limit: `fallback` when absent, else an integer in 1..max. */
export function listLimit(limit: number | undefined, fallback: number, max: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new ValidationError(`limit must be between 1 and ${max}`);
  return limit;
}

export function unixSeconds(name: string, value: number): number {
  if (!Number.isSafeInteger(value)) throw new ValidationError(`${name} must be whole Unix seconds, got ${value}`);
  return value;
}

export function validateRange(start: number, end: number, requestedAt: number): void {
  unixSeconds('start', start);
  unixSeconds('end', end);
  unixSeconds('requestedAt', requestedAt);
  if (start > end) throw new ValidationError(`invalid time range: start ${rfc3339(start)} is after end ${rfc3339(end)}`);
}
