import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/** Written next to `pgdata/` while a process serves it: PGlite has no lock of its own. */
const OWNER_FILE = 'embedded-postgres.json';

/** True while process `pid` runs (EPERM: it exists, but is another user's). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The URL of the embedded database another live process (e.g. `npm start`) serves from
 * `dataDir`, so tools connect to it instead of opening the same files a second time.
 */
export function runningEmbeddedPostgres(dataDir: string): string | undefined {
  try {
    const owner = JSON.parse(readFileSync(join(dataDir, OWNER_FILE), 'utf8')) as { pid: number; url: string };
    return owner.pid !== process.pid && isAlive(owner.pid) ? owner.url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts PGlite (PostgreSQL in WebAssembly) behind its Postgres wire-protocol socket, so the
 * same driver and the same migrations serve the embedded default. `dataDir` keeps the data;
 * `undefined` keeps it in memory.
 */
export async function startEmbeddedPostgres(options: { dataDir?: string; port?: number; host?: string }): Promise<EmbeddedPostgres> {
  let dir: string | undefined;
  if (options.dataDir) {
    if (runningEmbeddedPostgres(options.dataDir)) {
      throw new Error(`the embedded database in ${options.dataDir} is open in another process; stop it or set DATABASE_URL`);
    }
    dir = join(options.dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true });
  }
  const db = await PGlite.create(dir);
  const host = options.host ?? '127.0.0.1';
  const server = new PGLiteSocketServer({ db, host, port: options.port ?? 0, maxConnections: 64 });
  await server.start();
  const conn = server.getServerConn();
  const port = Number(conn.split(':').pop());
  const url = `postgresql://postgres:postgres@${host}:${port}/postgres`;
  if (options.dataDir) writeFileSync(join(options.dataDir, OWNER_FILE), JSON.stringify({ pid: process.pid, url }), { mode: 0o600 });
  return {
    url,
    async stop() {
      await server.stop();
      await db.close();
      if (options.dataDir && !runningEmbeddedPostgres(options.dataDir)) rmSync(join(options.dataDir, OWNER_FILE), { force: true });
    },
  };
}
