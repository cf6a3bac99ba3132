import { fork, type ChildProcess } from 'node:child_process';

/** A TypeScript module of ours in a Node process of its own (through tsx), with an IPC channel. */
export function forkTs(file: URL, args: string[], options: { execArgv?: string[]; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  return fork(file, args, {
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    env: options.env ?? process.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** The next IPC message of `child` (rejects if it exits first). */
export function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`child process exited with code ${code} before answering`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as T);
    });
  });
}
