import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, logLevel } from '../config/config.js';
import { createLogger } from '../server/logger.js';
import { WorkerApiError, WorkerClient } from './client.js';
import { Worker } from './worker.js';

interface WorkerFlags {
  url: string;
  token?: string;
  tokenFile?: string;
  queue: string;
  exec: string;
  concurrency: number;
  lease: number;
  grace: number;
  workerId: string;
}

function positive(max: number) {
  return (raw: string) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`a whole number from 1 to ${max}`);
    return n;
  };
}

async function readToken(flags: WorkerFlags): Promise<string> {
  const token = flags.tokenFile ? (await readFile(flags.tokenFile, 'utf8')).trim() : flags.token;
  if (!token) throw new ConfigError('worker: a token is required (--token-file, --token or TICKWORK_TOKEN) with permission execute:runs');
  return token;
}

/** Runs until SIGINT/SIGTERM, then lets held runs finish within the grace period. */
async function runWorker(flags: WorkerFlags): Promise<void> {
  const log = createLogger(logLevel(process.env)).child({ component: 'worker', queue: flags.queue, workerId: flags.workerId });
  const worker = new Worker({
    client: new WorkerClient(flags.url, await readToken(flags), flags.workerId),
    queue: flags.queue,
    command: flags.exec.trim().split(/\s+/),
    concurrency: flags.concurrency,
    leaseSeconds: flags.lease,
    graceMs: flags.grace * 1000,
    log,
  });
  const stop = (signal: string) => {
    log.info({ signal }, 'stopping: no new runs; waiting for the held ones');
    worker.stop();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  log.info({ url: flags.url, concurrency: flags.concurrency }, 'worker started');
  await worker.run().catch((err: unknown) => {
    throw err instanceof WorkerApiError ? new ConfigError(`worker: ${err.message}`) : err;
  });
  log.info('worker stopped');
}

export function workerCommand(run: (action: () => Promise<void>) => Promise<void>): Command {
  return new Command('worker')
    .description('execute the runs of a worker queue (tasks with executor "worker:<queue>") with a local interpreter')
    .option('--url <url>', 'the server\'s GraphQL endpoint', 'http://127.0.0.1:4000/graphql')
    .addOption(new Option('--token <token>', 'a token with permission execute:runs').env('TICKWORK_TOKEN'))
    .option('--token-file <path>', 'read the token from this file')
    .option('--queue <name>', 'the queue to take runs from', 'default')
    .option('--exec <command>', 'interpreter: each script runs as `<command> -c <script>`', 'sh')
    .option('--concurrency <n>', 'runs executed at once', positive(1000), 1)
    .option('--lease <seconds>', 'lease length; heartbeats go out every third of it', positive(3600), 30)
    .option('--grace <seconds>', 'on SIGTERM, how long held runs may go on before they are killed', positive(3600), 30)
    .option('--worker-id <id>', 'tells this process apart from others sharing the token', `${os.hostname()}-${process.pid}`)
    .action((flags: WorkerFlags) => run(() => runWorker(flags)));
}
