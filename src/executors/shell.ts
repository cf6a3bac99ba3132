import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { formatId } from '../store/id.js';
import type { ExecutionRequest, Executor } from './executor.js';

/** After SIGTERM, how long the process group has before SIGKILL. */
export const KILL_GRACE_MS = 2_000;
/** What a script inherits from the server's environment: never its secrets (DATABASE_URL, tokens…). */
const INHERITED = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

function environment(req: ExecutionRequest): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(INHERITED.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]]));
  return {
    ...inherited,
    TASK_ID: formatId(req.task.id),
    RUN_ID: formatId(req.run.id),
    SCHEDULED_FOR: req.scheduledFor.toISOString().replace('.000Z', 'Z'),
    TRY: String(req.try),
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // ESRCH: the group is already gone
  }
}

/**
 * `/bin/sh -c <body>` in a process group of its own: stdout and stderr lines become log lines, exit 0 is
 * success. Abort (cancel, timeout) sends the group SIGTERM, then SIGKILL after KILL_GRACE_MS. When the
 * shell exits, whatever it left running in its group is killed: an attempt leaves nothing behind.
 */
export const shellExecutor: Executor = {
  execute(req, log) {
    return new Promise((resolve) => {
      const child = spawn('/bin/sh', ['-c', req.body], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: environment(req) });
      for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream, crlfDelay: Infinity }).on('line', log);
      let escalation: NodeJS.Timeout | undefined;
      const terminate = () => {
        killGroup(child, 'SIGTERM');
        escalation = setTimeout(() => killGroup(child, 'SIGKILL'), KILL_GRACE_MS);
      };
      if (req.signal.aborted) terminate();
      else req.signal.addEventListener('abort', terminate, { once: true });
      child.once('exit', () => killGroup(child, 'SIGKILL'));
      child.once('error', (err) => resolve({ status: 'failed', reason: err.message }));
      child.once('close', (code, signal) => {
        clearTimeout(escalation);
        req.signal.removeEventListener('abort', terminate);
        if (code === 0) resolve({ status: 'success' });
        else resolve({ status: 'failed', reason: code === null ? `killed by ${signal}` : `exit status ${code}` });
      });
    });
  },
};
