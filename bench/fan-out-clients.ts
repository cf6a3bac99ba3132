import { createClient, type Client } from 'graphql-ws';
import { WebSocket } from 'ws';
import { distribution, monotonicMs } from './support/stats.js';

// The subscribers of bench/fan-out.ts, in a process of their own: argv origin, token, count, subscription.
// Tells the parent 'connected'; answers 'count' with the events received so far, and { commits: [seq, ms][] }
// with latencies (commit → receipt) and losses, then exits.

const CONNECT_BATCH = 50;

export interface ClientsReport {
  latency: ReturnType<typeof distribution>;
  delivered: number;
  lost: number;
  errors: number;
  firstError: string | null;
}

interface Received {
  /** Receipt times by seq, all subscribers together. */
  bySeq: Map<string, number[]>;
  errors: string[];
}

function subscribe(client: Client, query: string, received: Received): Promise<void> {
  return new Promise((connected) => {
    client.on('connected', () => connected());
    client.subscribe(
      { query },
      {
        next: (result) => {
          const at = monotonicMs();
          const seq = (result.data as { runStateChanged?: { seq: string } } | null)?.runStateChanged?.seq;
          if (!seq) return void received.errors.push(JSON.stringify(result.errors ?? result).slice(0, 300));
          const times = received.bySeq.get(seq) ?? [];
          times.push(at);
          received.bySeq.set(seq, times);
        },
        error: (err) => received.errors.push(err instanceof Error ? err.message : JSON.stringify(err).slice(0, 300)),
        complete: () => {},
      },
    );
  });
}

function report(received: Received, commits: [string, number][], subscribers: number): ClientsReport {
  const latencies: number[] = [];
  for (const [seq, committed] of commits) for (const at of received.bySeq.get(seq) ?? []) latencies.push(at - committed);
  return {
    latency: distribution(latencies),
    delivered: latencies.length,
    lost: commits.length * subscribers - latencies.length,
    errors: received.errors.length,
    firstError: received.errors[0] ?? null,
  };
}

async function main(): Promise<void> {
  const [origin, token, countText, query] = process.argv.slice(2);
  const count = Number(countText);
  const url = `${origin!.replace(/^http/, 'ws')}/graphql`;
  const received: Received = { bySeq: new Map(), errors: [] };
  const clients: Client[] = [];
  for (let from = 0; from < count; from += CONNECT_BATCH) {
    const batch = Array.from({ length: Math.min(CONNECT_BATCH, count - from) }, () =>
      createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams: { authorization: `Bearer ${token}` } }),
    );
    clients.push(...batch);
    await Promise.all(batch.map((client) => subscribe(client, query!, received)));
  }
  process.send!('connected');
  process.on('message', (message: 'count' | { commits: [string, number][] }) => {
    if (message === 'count') return void process.send!([...received.bySeq.values()].reduce((n, times) => n + times.length, 0));
    process.send!(report(received, message.commits, count), () => {
      for (const client of clients) void client.dispose();
      process.exit(0);
    });
  });
}

await main();
