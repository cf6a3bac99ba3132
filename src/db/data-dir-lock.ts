import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../config/config.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** PGlite is one process per data directory; a second one would corrupt it, so refuse it up front. */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const file = `${dataDir}.lock`;
  const holder = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
  if (holder && holder !== process.pid && alive(holder)) {
    throw new ConfigError(`TICKWORK_DATA_DIR: ${dataDir} is in use by process ${holder}; stop it or choose another directory`);
  }
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, String(process.pid));
  return () => rm(file, { force: true });
}
