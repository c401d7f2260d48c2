import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts PGlite (PostgreSQL in WebAssembly) behind its Postgres wire-protocol socket, so the
 * same driver and the same migrations serve the embedded default. `dataDir` keeps the data;
 * `undefined` keeps it in memory.
 */
export async function startEmbeddedPostgres(options: { dataDir?: string; port?: number; host?: string }): Promise<EmbeddedPostgres> {
  let dir: string | undefined;
  if (options.dataDir) {
    dir = join(options.dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true });
  }
  const db = await PGlite.create(dir);
  const host = options.host ?? '127.0.0.1';
  const server = new PGLiteSocketServer({ db, host, port: options.port ?? 0, maxConnections: 64 });
  await server.start();
  const conn = server.getServerConn();
  const port = Number(conn.split(':').pop());
  return {
    url: `postgresql://postgres:postgres@${host}:${port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
