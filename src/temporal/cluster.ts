import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { findTemporalCli } from './dev-server.js';
import { searchAttributeKeys } from './search-attributes.js';

const run = promisify(execFile);
const projectRoot = resolve(import.meta.dirname, '../..');

/** The Temporal server release the cluster runs; docker-compose.yml pins the same. */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';

export interface TemporalClusterOptions {
  /** The PostgreSQL server that holds Temporal's two databases, as `postgresql://user[:password]@host:port/…`. */
  postgresUrl: string;
  /** Names of the two databases: `<prefix>` (persistence) and `<prefix>_visibility`. */
  databasePrefix?: string;
  /** Where the config, the dynamic config and the server log are written. */
  dataDir: string;
  /** Frontend gRPC port; the other services take the ports after it. */
  port?: number;
  /** History shards (fixed for the life of the databases). */
  historyShards?: number;
  namespace?: string;
  /**
   * Connections each of the server's four services may hold to the persistence and to the
   * visibility database (default 20 and 10). Lower them on a PostgreSQL shared with other work.
   */
  maxConns?: { persistence: number; visibility: number };
}

export interface TemporalCluster {
  address: string;
  namespace: string;
  /** The server's process id (its own process group). */
  pid: number;
  logFile: string;
  /** Resolves with the exit code (or signal) once the server process has ended. */
  exited: Promise<string>;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s). */
  stop(): Promise<void>;
}

interface Installed {
  server: string;
  sqlTool: string;
  schemaDir: string;
}

/** Installs (once per machine) the server and its SQL tool; see scripts/install-temporal-server.sh. */
export async function installTemporalServer(): Promise<Installed> {
  const { stdout } = await run('bash', [join(projectRoot, 'scripts/install-temporal-server.sh')], {
    env: { ...process.env, TEMPORAL_SERVER_VERSION },
    maxBuffer: 16 * 1024 * 1024,
  });
  const dir = stdout.trim().split('\n').pop()!;
  return { server: join(dir, 'bin/server'), sqlTool: join(dir, 'bin/sql'), schemaDir: join(dir, 'schema/postgresql/v12') };
}

function connection(postgresUrl: string) {
  const url = new URL(postgresUrl);
  return {
    host: url.hostname === 'localhost' ? '127.0.0.1' : url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username || 'postgres'),
    password: decodeURIComponent(url.password),
  };
}

/**
 * Creates Temporal's databases on PostgreSQL when missing and brings their schemas to the
 * version this server needs (the schema files ship with the server module). Idempotent.
 */
export async function setupTemporalSchemas(installed: Installed, postgresUrl: string, prefix: string): Promise<void> {
  const c = connection(postgresUrl);
  const base = ['--plugin', 'postgres12', '--ep', c.host, '-p', String(c.port), '-u', c.user, ...(c.password ? ['--pw', c.password] : [])];
  for (const [db, dir] of [
    [prefix, 'temporal'],
    [`${prefix}_visibility`, 'visibility'],
  ] as const) {
    await run(installed.sqlTool, [...base, '--db', db, 'create-database'], { env: process.env }).catch((err: { stderr?: string }) => {
      if (!/already exists/.test(err.stderr ?? '')) throw err;
    });
    // `setup-schema -v 0.0` only creates the version table; it refuses when it is there already.
    await run(installed.sqlTool, [...base, '--db', db, 'setup-schema', '-v', '0.0']).catch((err: { stderr?: string }) => {
      if (!/already exists/.test(err.stderr ?? '')) throw err;
    });
    await run(installed.sqlTool, [...base, '--db', db, 'update-schema', '-d', join(installed.schemaDir, dir, 'versioned')]);
  }
}

/** The server's static config: PostgreSQL for persistence and visibility, ports from `port` up. */
export function clusterConfig(options: Required<Omit<TemporalClusterOptions, 'dataDir'>>): string {
  const c = connection(options.postgresUrl);
  const store = (db: string, maxConns: number) => `
      sql:
        pluginName: "postgres12"
        databaseName: "${db}"
        connectAddr: "${c.host}:${c.port}"
        connectProtocol: "tcp"
        user: ${JSON.stringify(c.user)}
        password: ${JSON.stringify(c.password)}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
  const p = options.port;
  const service = (name: string, offset: number, http = false) => `
  ${name}:
    rpc:
      grpcPort: ${p + offset}
      membershipPort: ${p + 100 + offset}
      bindOnIP: "127.0.0.1"${http ? `\n      httpPort: ${p + 50}` : ''}`;
  return `log:
  stdout: true
  level: warn

persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: ${options.historyShards}
  datastores:
    default:${store(options.databasePrefix, options.maxConns.persistence)}
    visibility:${store(`${options.databasePrefix}_visibility`, options.maxConns.visibility)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"

services:${service('frontend', 0, true)}${service('history', 1)}${service('matching', 2)}${service('worker', 3)}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${p}"
      httpAddress: "127.0.0.1:${p + 50}"

dcRedirectionPolicy:
  policy: "noop"

dynamicConfigClient:
  filepath: "dynamicconfig.yaml"
  pollInterval: "10s"
`;
}

/** Dynamic config Hookline relies on (eager workflow start …), shared with docker-compose.yml. */
export const CLUSTER_DYNAMIC_CONFIG_FILE = join(projectRoot, 'scripts/temporal/dynamicconfig.yaml');

async function cli(cliPath: string, args: string[]): Promise<string> {
  const { stdout } = await run(cliPath, args, { env: process.env });
  return stdout;
}

async function waitServing(cliPath: string, address: string, server: ChildProcess, logFile: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`Temporal server exited (${server.exitCode}); see ${logFile}`);
    const ok = await cli(cliPath, ['operator', 'cluster', 'health', '--address', address]).then(
      (out) => /SERVING/.test(out),
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`Temporal server at ${address} not serving after ${timeoutMs} ms; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Creates the namespace and Hookline's search attributes when missing. */
export async function prepareNamespace(cliPath: string, address: string, namespace: string): Promise<void> {
  const base = ['--address', address];
  const list = await cli(cliPath, ['operator', 'namespace', 'list', ...base, '-o', 'json']).catch(() => '');
  if (!list.includes(`"name": "${namespace}"`) && !list.includes(`"name":"${namespace}"`)) {
    await cli(cliPath, ['operator', 'namespace', 'create', ...base, '--namespace', namespace, '--retention', '72h']).catch((err: { stderr?: string }) => {
      if (!/already/i.test(err.stderr ?? '')) throw err;
    });
  }
  for (const key of searchAttributeKeys) {
    const type = key.type === 'KEYWORD' ? 'Keyword' : key.type;
    // Registering a name that exists with the same type is a no-op for the server.
    await cli(cliPath, ['operator', 'search-attribute', 'create', ...base, '--namespace', namespace, '--name', key.name, '--type', type]).catch(
      (err: { stderr?: string }) => {
        if (!/already/i.test(err.stderr ?? '')) throw err;
      },
    );
  }
  // The namespace cache of the frontend refreshes every few seconds: wait until it answers.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const ok = await cli(cliPath, ['workflow', 'list', ...base, '--namespace', namespace, '--limit', '1']).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`namespace ${namespace} not usable at ${address}`);
}

/**
 * Starts a Temporal server in its production shape — frontend, history, matching and worker
 * services in one process, PostgreSQL for persistence and visibility, several history shards —
 * with Hookline's namespace and search attributes. The process runs in its own process group.
 */
export async function startTemporalCluster(options: TemporalClusterOptions): Promise<TemporalCluster> {
  const settings = {
    postgresUrl: options.postgresUrl,
    databasePrefix: options.databasePrefix ?? 'temporal',
    port: options.port ?? 7233,
    historyShards: options.historyShards ?? 4,
    namespace: options.namespace ?? 'default',
    maxConns: options.maxConns ?? { persistence: 20, visibility: 10 },
  };
  const installed = await installTemporalServer();
  await setupTemporalSchemas(installed, settings.postgresUrl, settings.databasePrefix);
  const configDir = join(options.dataDir, 'config');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(join(configDir, 'hookline.yaml'), clusterConfig(settings));
  // The server reads the dynamic config relative to its working directory, the data directory.
  copyFileSync(CLUSTER_DYNAMIC_CONFIG_FILE, join(options.dataDir, 'dynamicconfig.yaml'));
  const logFile = join(options.dataDir, 'temporal-server.log');
  const out = openSync(logFile, 'a');
  const server = spawn(installed.server, ['--root', options.dataDir, '--config', 'config', '--env', 'hookline', '--allow-no-auth', 'start'], {
    cwd: options.dataDir,
    stdio: ['ignore', out, out],
    detached: true,
  });
  closeSync(out);
  const exited = new Promise<string>((res) => server.once('exit', (code, signal) => res(signal ?? String(code))));
  const address = `127.0.0.1:${settings.port}`;
  const cliPath = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
  if (!cliPath) throw new Error('the Temporal CLI is needed to prepare the cluster (npm run temporal:install)');
  const stop = async () => {
    if (server.exitCode !== null || server.pid === undefined) return;
    const exited = new Promise<void>((r) => server.once('exit', () => r()));
    process.kill(-server.pid, 'SIGTERM');
    const timer = setTimeout(() => server.pid && process.kill(-server.pid, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitServing(cliPath, address, server, logFile);
    await prepareNamespace(cliPath, address, settings.namespace);
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return { address, namespace: settings.namespace, pid: server.pid!, logFile, exited, stop };
}
