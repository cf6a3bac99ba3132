import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { AttemptOutcome } from '../store/types.js';

// Runs a script in a child process for the shell executor and for the reference worker alike.

/** After SIGTERM, how long the process group has before SIGKILL. */
export const KILL_GRACE_MS = 2_000;
/** What a script inherits from this process's environment: never its secrets (DATABASE_URL, tokens…). */
const INHERITED = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

export interface RunVariables {
  taskId: string;
  runId: string;
  scheduledFor: Date;
  try: number;
}

/** `TASK_ID`, `RUN_ID`, `SCHEDULED_FOR` (RFC 3339) and `TRY`, plus the harmless variables of this process. */
export function scriptEnvironment(run: RunVariables): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(INHERITED.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]]));
  return {
    ...inherited,
    TASK_ID: run.taskId,
    RUN_ID: run.runId,
    SCHEDULED_FOR: run.scheduledFor.toISOString().replace('.000Z', 'Z'),
    TRY: String(run.try),
  };
}

export interface ScriptOptions {
  /** The interpreter and its arguments, e.g. ["/bin/sh"]; the script follows as `-c <script>`. */
  command: string[];
  script: string;
  env: NodeJS.ProcessEnv;
  /** Aborting stops the script. */
  signal: AbortSignal;
  /** Each stdout and stderr line. */
  onLine(line: string): void;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // ESRCH: the group is already gone
  }
}

/**
 * `<command> -c <script>` in a process group of its own: stdout and stderr lines go to `onLine`, exit 0 is
 * success. Abort (cancel, timeout) sends the group SIGTERM, then SIGKILL after KILL_GRACE_MS. When the
 * interpreter exits, whatever it left running in its group is killed: an attempt leaves nothing behind.
 */
export function runScript({ command, script, env, signal, onLine }: ScriptOptions): Promise<Exclude<AttemptOutcome, { status: 'canceled' }>> {
  return new Promise((resolve) => {
    const [file, ...args] = command;
    const child = spawn(file!, [...args, '-c', script], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
    let escalation: NodeJS.Timeout | undefined;
    const terminate = () => {
      killGroup(child, 'SIGTERM');
      escalation = setTimeout(() => killGroup(child, 'SIGKILL'), KILL_GRACE_MS);
    };
    if (signal.aborted) terminate();
    else signal.addEventListener('abort', terminate, { once: true });
    child.once('exit', () => killGroup(child, 'SIGKILL'));
    child.once('error', (err) => resolve({ status: 'failed', reason: err.message }));
    child.once('close', (code, killedBy) => {
      clearTimeout(escalation);
      signal.removeEventListener('abort', terminate);
      if (code === 0) resolve({ status: 'success' });
      else resolve({ status: 'failed', reason: code === null ? `killed by ${killedBy}` : `exit status ${code}` });
    });
  });
}
