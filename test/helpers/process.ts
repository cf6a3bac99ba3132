import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Resolves with the first stdout JSON log line that has `msg` containing `text`. */
  waitForLog(text: string, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Runs `tickwork <args>` as a real process (through tsx, as `npm start` does). */
export function runCli(args: string[], env: Record<string, string | undefined>): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: undefined, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLog(text, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = setInterval(() => {
          const line = out.split('\n').find((l) => l.includes(text));
          if (line) {
            clearInterval(poll);
            resolve(JSON.parse(line));
          } else if (Date.now() - started > timeoutMs || child.exitCode !== null) {
            clearInterval(poll);
            reject(new Error(`no log line with "${text}"; stdout: ${out}; stderr: ${err}`));
          }
        }, 25);
      });
    },
  };
}

/**
 * Whether any process of the group still runs. Zombies are dead: a child that outlived its shell by a
 * moment is reparented to PID 1, which in some containers never reaps it.
 */
export function groupAlive(pgid: number): boolean {
  const rows = execFileSync('ps', ['-eo', 'pgid=,stat=']).toString().trim().split('\n');
  return rows.map((row) => row.trim().split(/\s+/)).some(([group, stat]) => Number(group) === pgid && !stat!.startsWith('Z'));
}
