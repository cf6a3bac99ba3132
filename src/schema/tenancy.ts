import { visibleTo } from '../auth/viewer.js';
import { RunNotFoundError, TaskNotFoundError } from '../store/errors.js';
import { parseId, type ID } from '../store/id.js';
import type { Task } from '../store/types.js';
import type { Context } from './context.js';

// Tenancy in one place: Prisma reads filter with `orgScope`, store calls check with `visibleTask`.

export function orgScope(ctx: Context): { orgId: ID } {
  return { orgId: ctx.viewer.orgId };
}

export async function visibleTask(ctx: Context, id: string): Promise<Task> {
  const task = await ctx.services.store.findTaskById(parseId(id));
  if (!visibleTo(ctx.viewer, task)) throw new TaskNotFoundError();
  return task;
}

export async function visibleRun(ctx: Context, id: string) {
  const run = await ctx.prisma.run.findFirst({ where: { id: parseId(id), ...orgScope(ctx) } });
  if (!run) throw new RunNotFoundError();
  return run;
}
