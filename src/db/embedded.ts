import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** PGlite (Postgres in WebAssembly) served over the wire protocol on 127.0.0.1, so Prisma and pg talk to it as to any Postgres. */
export interface EmbeddedPostgres {
  url: string;
  db: PGlite;
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Persist here; omit for an in-memory database. */
  dataDir?: string;
  /** Start from a dump made by `PGlite.dumpDataDir()` (test templates). */
  loadDataDir?: Blob;
  /** pglite-socket refuses (does not queue) connections above this, so it must cover every pool. */
  maxConnections: number;
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedPostgres> {
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const db = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
  });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: options.maxConnections });
  await server.start();
  return {
    url: `postgresql://postgres@${server.getServerConn()}/postgres?sslmode=disable`,
    db,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
