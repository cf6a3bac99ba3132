import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export interface ScriptExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ScriptProcess {
  /** Resolves once the process has exited and both of its output streams are drained. */
  exited: Promise<ScriptExit>;
  /** Kills the whole process group, so children the script started go too. */
  kill(): void;
}

export interface ScriptOptions {
  /** The interpreter and its arguments, e.g. ["sh"]; the script follows as `-c <script>`. */
  command: string[];
  script: string;
  env: Record<string, string>;
  /** Each stdout and stderr line, in the order each stream produced them. */
  onLine(line: string): void;
}

function forwardLines(stream: Readable, onLine: (line: string) => void): Promise<void> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', onLine);
  return new Promise((resolve) => lines.once('close', resolve));
}

/** Starts the script in a process group of its own (detached), so a kill reaches everything it spawned. */
export function startScript({ command, script, env, onLine }: ScriptOptions): ScriptProcess {
  const [file, ...args] = command;
  const child = spawn(file!, [...args, '-c', script], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const drained = Promise.all([forwardLines(child.stdout, onLine), forwardLines(child.stderr, onLine)]);
  const exited = new Promise<ScriptExit>((resolve) => {
    child.once('error', (err) => {
      onLine(`cannot start ${file}: ${err.message}`);
      resolve({ code: 127, signal: null });
    });
    child.once('exit', (code, signal) => {
      // Leftover background jobs would hold the output pipes open (and outlive the attempt).
      kill();
      void drained.then(() => resolve({ code, signal }));
    });
  });
  const kill = () => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  };
  return { exited, kill };
}
