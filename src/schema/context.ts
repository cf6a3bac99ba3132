import type { Viewer } from '../auth/viewer.js';
import type { PrismaClient } from '../db/prisma.js';
import type { Logger } from '../server/logger.js';
import type { Services } from '../server/services.js';

/** What every resolver gets, over HTTP and WebSocket alike. */
export interface Context {
  requestId: string;
  log: Logger;
  /** For plugin-prisma's folded reads only; every write goes through `services.store`. */
  prisma: PrismaClient;
  services: Services;
  viewer: Viewer;
  server: ServerInfo;
}

export interface ServerInfo {
  version: string;
  startedAt: Date;
  embeddedDatabase: boolean;
}
