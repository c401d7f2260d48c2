/**
 * The engine in production shape, one process per role so /proc can attribute CPU: a Temporal dev
 * server (the pinned CLI binary), the API, one worker, and a fresh database on the machine's
 * PostgreSQL. Everything registers its teardown with the life cycle.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import protobufs from '@temporalio/proto';
import { createOrm, type Orm } from '../../src/db/orm.js';
import { createApiKey, ensureTenant } from '../../src/services/api-keys.js';
import { findTemporalCli } from '../../src/temporal/dev-server.js';
import { searchAttributeKeys } from '../../src/temporal/search-attributes.js';
import { bundleWorkflows } from '../../src/temporal/worker.js';
import { startTemporalCluster } from '../../src/temporal/cluster.js';
import { DEV_SERVER_DYNAMIC_CONFIG, DEV_SERVER_SQLITE_PRAGMAS, devServerTuningArgs } from '../../src/temporal/dev-server.js';
import { startChild, type Child } from './child-process.js';
import { onCleanup, sleep, waitUntil } from './lifecycle.js';

export const projectRoot = resolve(import.meta.dirname, '../..');

/** The dev server's tuning, exactly as `npm start` runs it (src/temporal/dev-server.ts). */
export const TEMPORAL_TUNING = { sqlitePragmas: DEV_SERVER_SQLITE_PRAGMAS, dynamicConfig: DEV_SERVER_DYNAMIC_CONFIG };

const NAMESPACE = 'default';
const TASK_QUEUE = 'hookline-bench';
const START_TIMEOUT_MS = 120_000;

export interface Stack {
  temporalAddress: string;
  temporalCli: string;
  /** Driver connection for the bench's own checks (Temporal history, task-queue pollers). */
  temporal: Connection;
  namespace: string;
  databaseUrl: string;
  databaseName: string;
  orm: Orm;
  apiUrl: string;
  apiKey: string;
  tenantId: string;
  temporalServer: Child;
  /** Which Temporal server: the dev server (SQLite) or a server on PostgreSQL (`--temporal=postgres`). */
  topology: Topology;
  /** The PostgreSQL databases of the engine (Hookline's, and Temporal's on the PostgreSQL topology). */
  databaseNames: string[];
  api: Child;
  workers: Child[];
  /** Replaces the workers with ones started with `env` on top of the usual (e.g. another retry schedule). */
  restartWorkers(env: Record<string, string>): Promise<Child[]>;
  /** Every child process there has been (a restarted worker included), for the log counts. */
  children(): Child[];
}

export interface StackOptions {
  /** Server of the fresh database, e.g. postgresql://postgres@127.0.0.1:5432/postgres */
  databaseServerUrl: string;
  retrySchedule: string;
  /** V8 CPU profiles of the API and the worker go here when set. */
  cpuProfDir?: string | undefined;
  topology: Topology;
  workers: number;
}

export type Topology = 'dev' | 'postgres';

/** A TCP port nothing listens on at the moment, on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function freshDatabase(serverUrl: string): Promise<{ url: string; name: string }> {
  const name = `hookline_bench_${Date.now()}_${randomBytes(3).toString('hex')}`;
  await adminQuery(serverUrl, `create database "${name}"`);
  onCleanup(`drop database ${name}`, () => adminQuery(serverUrl, `drop database if exists "${name}" with (force)`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), name };
}

/** The caller's environment without anything inherited that would configure the engine. */
export function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    // Worker tuning passes through, so settings can be compared run against run.
    if (/^HOOKLINE_(WORKER|DISPATCH|WORKFLOW_TASK)_/.test(key)) continue;
    if (/^(HOOKLINE_|TEMPORAL_)/.test(key) || ['DATABASE_URL', 'PORT', 'HOST', 'LOG_LEVEL', 'NODE_OPTIONS', 'NODE_ENV'].includes(key)) {
      delete env[key];
    }
  }
  return env;
}

/**
 * Starts the Temporal dev server (the pinned CLI) with its state in `dir/temporal.db`, Hookline's
 * search attributes and the tuning `npm start` uses. Started again on the same port and directory
 * it picks up where it was, a SIGKILL included.
 */
export function startTemporalDevServer(cli: string, port: number, dir: string, options: { detached?: boolean } = {}): Child {
  const searchAttributeArgs = searchAttributeKeys.flatMap((key) => [
    '--search-attribute',
    `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`,
  ]);
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--headless',
    '--db-filename',
    join(dir, 'temporal.db'),
    ...devServerTuningArgs(true),
    '--namespace',
    NAMESPACE,
    ...searchAttributeArgs,
    '--log-format',
    'json',
    '--log-level',
    'error',
    '--color',
    'never',
  ];
  return startChild('temporal', cli, args, { cwd: dir, env: baseEnv(), ...options });
}

/** Connects once the server at `address` answers for the namespace; fails if `server` exits first. */
export async function connectTemporalWhenUp(address: string, server: Pick<Child, 'hasExited' | 'exited'>): Promise<Connection> {
  const until = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (server.hasExited()) throw new Error(`the Temporal dev server exited (${await server.exited})`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.describeNamespace({ namespace: NAMESPACE });
      return connection;
    } catch (err) {
      if (Date.now() > until) throw new Error(`the Temporal dev server did not answer within ${START_TIMEOUT_MS / 1000} s: ${(err as Error).message}`);
      await sleep(250);
    }
  }
}

/** Waits until the API at `apiUrl` answers /readyz with 200; fails if it exits first. */
export async function waitForReadyz(apiUrl: string, api: Child): Promise<void> {
  const ok = await waitUntil(
    async () => {
      if (api.hasExited()) throw new Error(`the API exited (${await api.exited})`);
      try {
        return (await fetch(`${apiUrl}/readyz`)).status === 200;
      } catch {
        return false;
      }
    },
    START_TIMEOUT_MS,
    200,
  );
  if (!ok) throw new Error(`the API was not ready (/readyz) within ${START_TIMEOUT_MS / 1000} s`);
}

/**
 * A started worker shows as a poller on both the workflow and the activity task queue. Pollers are
 * told apart by the SDK's default identity, `<pid>@<host>`: a stopped worker's linger for minutes.
 */
export async function waitForPollers(connection: Connection, worker: Child, taskQueue = TASK_QUEUE): Promise<void> {
  const { TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY } = protobufs.temporal.api.enums.v1.TaskQueueType;
  const polling = async (taskQueueType: protobufs.temporal.api.enums.v1.TaskQueueType) => {
    const res = await connection.workflowService.describeTaskQueue({ namespace: NAMESPACE, taskQueue: { name: taskQueue }, taskQueueType });
    return (res.pollers ?? []).some((p) => p.identity?.startsWith(`${worker.pid}@`));
  };
  const ok = await waitUntil(
    async () => {
      if (worker.hasExited()) throw new Error(`the worker exited (${await worker.exited})`);
      return (await polling(TASK_QUEUE_TYPE_WORKFLOW)) && (await polling(TASK_QUEUE_TYPE_ACTIVITY));
    },
    START_TIMEOUT_MS,
    250,
  );
  if (!ok) throw new Error(`the worker did not poll its task queue within ${START_TIMEOUT_MS / 1000} s`);
}

/** The dev server on a SQLite file in `dir`, as `npm start` runs it. */
async function startDevServerChild(cli: string, dir: string): Promise<{ server: Child; address: string; databases: string[] }> {
  const port = await freePort();
  return { server: startTemporalDevServer(cli, port, dir), address: `127.0.0.1:${port}`, databases: [] };
}

/**
 * A Temporal server on PostgreSQL (src/temporal/cluster.ts) with databases of its own on the
 * bench's PostgreSQL server, dropped at the end; seen by the bench as one more child process.
 */
async function startClusterServer(dir: string, serverUrl: string): Promise<{ server: Child; address: string; databases: string[] }> {
  const prefix = `hookline_bench_temporal_${randomBytes(3).toString('hex')}`;
  const databases = [prefix, `${prefix}_visibility`];
  onCleanup('drop the Temporal databases', async () => {
    for (const name of databases) await adminQuery(serverUrl, `drop database if exists "${name}" with (force)`);
  });
  // The server takes the frontend port and the ones after it (+1…+3, +50, +100…+103).
  const port = 21000 + Math.floor(Math.random() * 8000);
  const cluster = await startTemporalCluster({
    postgresUrl: serverUrl,
    databasePrefix: prefix,
    dataDir: join(dir, 'temporal'),
    port,
    historyShards: 4,
    // The default pools (20 and 10 per service) would let the server take most of the 100
    // connections of a stock PostgreSQL beside the engine's own.
    maxConns: { persistence: 10, visibility: 4 },
  });
  let exited = false;
  let stopping = false;
  void cluster.exited.then(() => (exited = true));
  const server: Child = {
    name: 'temporal',
    pid: cluster.pid,
    logs: { warn: 0, error: 0, lines: 0, suppressed: 0 },
    exited: cluster.exited,
    hasExited: () => exited,
    stopRequested: () => stopping,
    kill: (signal) => process.kill(-cluster.pid, signal),
    async stop() {
      stopping = true;
      await cluster.stop();
    },
  };
  return { server, address: cluster.address, databases };
}

function registerStop(child: Child): void {
  onCleanup(`stop ${child.name} (pid ${child.pid})`, () => child.stop());
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'hookline-bench-'));
  onCleanup('temp dir', async () => rmSync(dir, { recursive: true, force: true }));

  const cli = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
  if (!cli) throw new Error('no Temporal CLI: run `npm run temporal:install` or set TEMPORAL_CLI_PATH');
  const { server: temporalServer, address: temporalAddress, databases: temporalDatabases } =
    options.topology === 'postgres' ? await startClusterServer(dir, options.databaseServerUrl) : await startDevServerChild(cli, dir);
  registerStop(temporalServer);

  // Workers in production load a pre-built bundle; bundling inside the worker would also put
  // webpack's memory into the worker's peak RSS.
  const [connection, bundle, database] = await Promise.all([
    connectTemporalWhenUp(temporalAddress, temporalServer),
    bundleWorkflows(),
    freshDatabase(options.databaseServerUrl),
  ]);
  onCleanup('Temporal connection', () => connection.close());
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);

  const apiPort = await freePort();
  const engineEnv: Record<string, string> = {
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: NAMESPACE,
    HOOKLINE_TASK_QUEUE: TASK_QUEUE,
    HOOKLINE_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    HOOKLINE_WORKFLOW_BUNDLE: bundlePath,
    HOOKLINE_ALLOW_PRIVATE_TARGETS: 'true',
    HOOKLINE_RETRY_SCHEDULE: options.retrySchedule,
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    LOG_LEVEL: 'warn',
  };
  const profiling = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
  const node = (name: string, entry: string, extra: Record<string, string> = {}) =>
    startChild(name, process.execPath, [...profiling, '--import', './scripts/node-compat.mjs', '--import', 'tsx', entry], {
      cwd: projectRoot,
      env: { ...baseEnv(), ...engineEnv, ...extra },
    });

  // The API migrates the schema; the worker starts once it has, so the two never race to migrate.
  const api = node('api', 'src/main/api.ts');
  registerStop(api);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await waitForReadyz(apiUrl, api);

  const orm = await createOrm(database.url, { max: 2 });
  onCleanup('bench ORM', () => orm.close());
  const tenantId = `t_bench_${randomBytes(4).toString('hex')}`;
  const em = orm.em.fork();
  await ensureTenant(em, tenantId);
  const { key } = await createApiKey(em, { tenantId, environment: 'test', scopes: ['manage_webhooks', 'publish_events'] });

  const all: Child[] = [temporalServer, api];
  const startWorkerProcess = async (extra: Record<string, string>, n: number) => {
    const worker = node(options.workers > 1 ? `worker-${n}` : 'worker', 'src/main/worker.ts', extra);
    registerStop(worker);
    all.push(worker);
    await waitForPollers(connection, worker);
    return worker;
  };
  const startWorkers = (extra: Record<string, string>) =>
    Promise.all(Array.from({ length: options.workers }, (_, n) => startWorkerProcess(extra, n)));
  const stack: Stack = {
    temporalAddress,
    temporalCli: cli,
    temporal: connection,
    namespace: NAMESPACE,
    databaseUrl: database.url,
    databaseName: database.name,
    databaseNames: [database.name, ...temporalDatabases],
    topology: options.topology,
    orm,
    apiUrl,
    apiKey: key,
    tenantId,
    temporalServer,
    api,
    workers: await startWorkers({}),
    async restartWorkers(extra) {
      await Promise.all(stack.workers.map((w) => w.stop(40_000)));
      stack.workers = await startWorkers(extra);
      return stack.workers;
    },
    children: () => [...all],
  };
  return stack;
}
