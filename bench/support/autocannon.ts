import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BIN = fileURLToPath(new URL('../../node_modules/.bin/autocannon', import.meta.url));

export interface LoadOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  seconds: number;
  warmupSeconds: number;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx responses, errors and timeouts together: anything but a 200 spoils the figure. */
  failures: number;
  /** The command line, with secrets elided. */
  command: string;
}

interface AutocannonJson {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

function args(o: LoadOptions): string[] {
  const headers = Object.entries(o.headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]);
  const warmup = o.warmupSeconds > 0 ? ['-W', '[', '-c', String(o.connections), '-d', String(o.warmupSeconds), ']'] : [];
  return ['--json', '-n', '-c', String(o.connections), '-d', String(o.seconds), ...warmup, '-m', 'POST', ...headers, '-b', o.body, o.url];
}

const quote = (arg: string): string => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`);

/** autocannon's CLI in a process of its own, so load generation does not share the server's event loop. */
export async function loadTest(options: LoadOptions): Promise<LoadResult> {
  const argv = args(options);
  const { stdout } = await promisify(execFile)(BIN, argv, { maxBuffer: 16 * 2 ** 20 });
  // With a warm-up it prints the warm-up's result first: the measured one is the last line.
  const json = JSON.parse(stdout.trim().split('\n').pop()!) as AutocannonJson;
  return {
    rps: json.requests.average,
    p50: json.latency.p50,
    p99: json.latency.p99,
    failures: json.non2xx + json.errors + json.timeouts,
    command: ['npx autocannon', ...argv.map((a) => quote(a.replace(/Bearer \S+/, 'Bearer $TOKEN')))].join(' '),
  };
}
