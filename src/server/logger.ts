import pino from 'pino';
import type { LogLevel } from '../config/config.js';

export type Logger = pino.Logger;

export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { service: 'tickwork' } });
}
