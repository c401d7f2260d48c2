import { existsSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { searchAttributeKeys } from './search-attributes.js';

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  namespace: string;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  /** SQLite file for the server's state; in memory when undefined. */
  dbFile?: string;
  port?: number;
  uiPort?: number;
  ui?: boolean;
  namespace?: string;
  cliPath?: string;
}

const projectRoot = resolve(import.meta.dirname, '../..');

/**
 * SQLite pragmas of the dev server's file: WAL lets readers (visibility queries, the Web UI) run
 * beside the writer.
 */
export const DEV_SERVER_SQLITE_PRAGMAS: readonly string[] = ['journal_mode=wal', 'synchronous=normal'];

/** Dynamic config of the dev server (`KEY=JSON value`), beyond the CLI's own. */
export const DEV_SERVER_DYNAMIC_CONFIG: readonly string[] = [];

/** The dev server's flags for its state file and its dynamic config. */
export function devServerTuningArgs(withDbFile: boolean): string[] {
  return [
    ...(withDbFile ? DEV_SERVER_SQLITE_PRAGMAS.flatMap((p) => ['--sqlite-pragma', p]) : []),
    ...DEV_SERVER_DYNAMIC_CONFIG.flatMap((v) => ['--dynamic-config-value', v]),
  ];
}

/**
 * The Temporal CLI to run: `TEMPORAL_CLI_PATH`, else the project's pinned install (running the
 * install script once if needed), else `temporal` on PATH. Returns undefined when none is found,
 * and the SDK's own cached download is used instead.
 */
export function findTemporalCli(explicit?: string): string | undefined {
  if (explicit) return explicit;
  try {
    const out = execFileSync('bash', [join(projectRoot, 'scripts/install-temporal.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, HOOKLINE_SKIP_TCTL: process.env.HOOKLINE_SKIP_TCTL ?? '1' },
    });
    const bin = join(out.trim().split('\n').pop() ?? '', 'temporal');
    if (existsSync(bin)) return bin;
  } catch {
    // No Go toolchain: fall through.
  }
  try {
    return execFileSync('bash', ['-c', 'command -v temporal'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts a Temporal dev server (with its Web UI) through the SDK, pointed at the pinned CLI
 * binary. State goes to a SQLite file in WAL mode; Hookline's search attributes are registered.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const cli = findTemporalCli(options.cliPath);
  if (options.dbFile) mkdirSync(resolve(options.dbFile, '..'), { recursive: true });
  const namespace = options.namespace ?? 'default';
  const ui = options.ui ?? true;
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: cli ? { type: 'existing-path', path: cli } : { type: 'cached-download' },
      ip: '127.0.0.1',
      ...(options.port !== undefined && { port: options.port }),
      ui,
      ...(ui && options.uiPort !== undefined && { uiPort: options.uiPort }),
      ...(options.dbFile && { dbFilename: options.dbFile }),
      namespace,
      searchAttributes: searchAttributeKeys,
      extraArgs: devServerTuningArgs(Boolean(options.dbFile)),
      log: { format: 'pretty', level: 'error' },
    },
  });
  const address = env.address;
  const port = Number(address.split(':').pop());
  const uiPort = options.uiPort ?? port + 1000;
  return {
    address,
    uiUrl: ui ? `http://127.0.0.1:${uiPort}` : undefined,
    namespace,
    stop: () => env.teardown(),
  };
}
