import type { Benchmark } from './support/types.js';

/** The benchmarks in the order the issue lists them; each is loaded only in its own process. */
export const SECTIONS: { id: string; load: () => Promise<{ default: Benchmark }> }[] = [
  { id: 'throughput', load: () => import('./throughput.js') },
  { id: 'lag', load: () => import('./lag.js') },
  { id: 'graphql-reads', load: () => import('./graphql-reads.js') },
  { id: 'fan-out', load: () => import('./fan-out.js') },
  { id: 'cold-start', load: () => import('./cold-start.js') },
];
