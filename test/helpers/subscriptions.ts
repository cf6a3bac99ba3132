import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import { expect, vi } from 'vitest';
import { WebSocket } from 'ws';
import type { InProcessEventBus } from '../../src/events/index.js';
import type { TickworkStore } from '../../src/server/services.js';
import type { RunBase, RunStatus } from '../../src/store/types.js';
import type { Tenant } from './tenant.js';

export type Result = FormattedExecutionResult<Record<string, any>, unknown>;

/** A graphql-ws client on the server's /graphql, sending `Bearer <token>` when given one. */
export function wsClient(origin: string, token?: string): Client {
  return createClient({
    url: `${origin.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
}

/** Next result of a subscription, failing after `ms` rather than hanging the test. */
export async function nextResult(it: AsyncIterator<Result>, ms = 5_000): Promise<Result> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no event within ${ms} ms`)), ms)));
  try {
    const next = await Promise.race([it.next(), timeout]);
    if (next.done) throw new Error('subscription completed');
    return next.value;
  } finally {
    clearTimeout(timer);
  }
}

export interface Subscription {
  next(ms?: number): Promise<Result>;
  close(): Promise<void>;
}

/**
 * Starts a subscription and resolves once the server has subscribed to the event bus, so that a write
 * made afterwards is live for it (graphql-ws has no acknowledgement of a subscribe message).
 */
export async function subscribeWs(client: Client, bus: InProcessEventBus, query: string, variables: Record<string, unknown>): Promise<Subscription> {
  const before = bus.size;
  const it = client.iterate<Record<string, any>>({ query, variables });
  const first = it.next();
  await vi.waitFor(() => expect(bus.size).toBeGreaterThan(before), { timeout: 5_000, interval: 5 });
  let pending: typeof first | null = first;
  const source: AsyncIterator<Result> = {
    next: () => {
      const result = pending ?? it.next();
      pending = null;
      return result;
    },
  };
  return { next: (ms) => nextResult(source, ms), close: async () => void (await it.return?.()) };
}

/** A Yoga SSE subscription (`accept: text/event-stream`), read frame by frame. */
export async function subscribeSse(origin: string, token: string, query: string, variables: Record<string, unknown>): Promise<Subscription> {
  const abort = new AbortController();
  const res = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: abort.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  async function* results(): AsyncGenerator<Result> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end < 0) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        continue;
      }
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame.split('\n').find((line) => line.startsWith('data:'));
      if (/^event: ?complete/m.test(frame)) return;
      if (data && /^event: ?next/m.test(frame)) yield JSON.parse(data.slice(5));
    }
  }
  const it = results();
  return { next: (ms) => nextResult(it, ms), close: async () => abort.abort() };
}

/** A task of the tenant with one run created, and the run's base for LogWriter calls. */
export async function taskWithRun(store: TickworkStore, tenant: Tenant): Promise<RunBase> {
  const script = 'option task = {name: "watched", cron: "* * * * *", concurrency: 100}\nfrom(bucket: "b") |> range(start: -1h)\n';
  const task = await store.createTask({ orgId: tenant.orgId, userId: tenant.userId, script, scheduleAfter: 0 });
  const { created } = await store.createNextRun(task.id, 60);
  return { taskId: task.id, runId: created.runId, scheduledFor: created.now };
}

/** Another run of the same task (the next tick). */
export async function nextRun(store: TickworkStore, base: RunBase): Promise<RunBase> {
  const { created } = await store.createNextRun(base.taskId, base.scheduledFor + 60);
  return { taskId: base.taskId, runId: created.runId, scheduledFor: created.now };
}

export const setState = (store: TickworkStore, base: RunBase, status: RunStatus) => store.updateRunState(base, new Date(), status);
