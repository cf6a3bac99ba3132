import type { PrismaClient } from '../db/prisma.js';
import type { Logger } from '../server/logger.js';

/** What every resolver gets, over HTTP and WebSocket alike. */
export interface Context {
  log: Logger;
  prisma: PrismaClient;
  server: ServerInfo;
}

export interface ServerInfo {
  version: string;
  startedAt: Date;
  embeddedDatabase: boolean;
}
