import type { LogReader, RunEvent } from '../../src/store/types.js';

export function stateEvent(seq: bigint, ids: Partial<Record<'orgId' | 'taskId' | 'runId', bigint>> = {}): RunEvent {
  return { kind: 'state', seq, orgId: 1n, taskId: 10n, runId: 100n, ...ids, status: 'started', when: new Date(1_700_000_000_000) };
}

/** A LogReader over an array, counting the pages read; `onRead` runs after each page is taken. */
export function fakeEvents(stored: RunEvent[]) {
  const reader = {
    pages: 0,
    onRead: (_page: number) => {},
    async listEvents(req: Parameters<LogReader['listEvents']>[0]): Promise<RunEvent[]> {
      const page = stored
        .filter((e) => e.orgId === req.orgId && e.seq > req.after)
        .filter((e) => (req.taskId === undefined || e.taskId === req.taskId) && (req.runId === undefined || e.runId === req.runId))
        .slice(0, req.limit ?? 1000);
      reader.onRead(++reader.pages);
      return page;
    },
  };
  return reader;
}
