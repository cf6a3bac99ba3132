import { formatDuration } from '../options/index.js';

/** Seconds as Go duration text (`1m0s`, `-1h30m0s`), the way task options are shown back. */
export function goDuration(seconds: number): string {
  return formatDuration(BigInt(seconds) * 1_000_000_000n);
}

export function goDurationMs(ms: number): string {
  return formatDuration(BigInt(ms) * 1_000_000n);
}
