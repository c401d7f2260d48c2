import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = process.env.HOOKLINE_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A PostgreSQL cluster of one test's own on loopback, to stop and start under a running engine. */
export interface PrivatePostgres {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  port: number;
  /** Stops the server at once (`pg_ctl stop -m immediate`): connections drop, nothing is shut down cleanly. */
  stop(): Promise<void>;
  /** Starts it again on the same data directory and port. */
  start(): Promise<void>;
  /** Stops it (killing the postmaster by its pid if pg_ctl cannot) and removes its data. */
  cleanup(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * initdb refuses to run as root: under root the cluster belongs to the `postgres` system user
 * (installed with PostgreSQL), otherwise to the current user.
 */
function asClusterOwner(command: string, args: string[]): [string, string[]] {
  return userInfo().uid === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

/** Creates and starts a private cluster (trust authentication, loopback only) on a free port. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'hookline-pg-'));
  const data = join(dir, 'data');
  if (userInfo().uid === 0) {
    const owner = await run('id', ['-u', 'postgres']);
    const group = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(owner.stdout.trim()), Number(group.stdout.trim()));
  }
  const port = await freePort();
  const pgCtl = (...args: string[]) => run(...asClusterOwner(join(BIN, 'pg_ctl'), ['-D', data, ...args]));
  await run(...asClusterOwner(join(BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']));
  const start = async () => {
    await pgCtl('start', '-w', '-t', '60', '-l', join(dir, 'server.log'), '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off`);
  };
  const postmasterPid = (): number | undefined => {
    try {
      return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
  };
  await start();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    async stop() {
      await pgCtl('stop', '-m', 'immediate', '-w');
    },
    async cleanup() {
      const pid = postmasterPid();
      await pgCtl('stop', '-m', 'immediate', '-w').catch(() => {
        if (pid) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
