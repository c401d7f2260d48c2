/**
 * The engine in production shape for the fault suite: a Temporal server (the dev server on a
 * SQLite file, or the PostgreSQL-backed server), one API and two workers as separate processes,
 * each its own process group, and a fresh database on the machine's PostgreSQL. Every piece can be
 * killed with SIGKILL and started again on the same ports and data.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { createOrm, type Orm } from '../../src/db/orm.js';
import { createApiKey, ensureTenant } from '../../src/services/api-keys.js';
import { startTemporalCluster, type TemporalCluster } from '../../src/temporal/cluster.js';
import { findTemporalCli } from '../../src/temporal/dev-server.js';
import { bundleWorkflows } from '../../src/temporal/worker.js';
import { apiClient, type ApiClient } from '../bench/api-client.js';
import { startChild, type Child } from '../bench/child-process.js';
import { onExit, runLastResortsOnExit, waitUntil } from '../bench/lifecycle.js';
import { baseEnv, connectTemporalWhenUp, freePort, projectRoot, startTemporalDevServer, waitForPollers, waitForReadyz } from '../bench/stack.js';
import { freshDatabase } from '../helpers/database.js';

/** Which Temporal server the engine runs on. */
export type Topology = 'dev' | 'postgres';

const NAMESPACE = 'default';
const TASK_QUEUE = 'hookline-faults';

export interface FaultStackOptions {
  topology: Topology;
  /** The PostgreSQL server that holds every database of the run, e.g. postgresql://postgres@127.0.0.1:5432/postgres */
  databaseServerUrl: string;
  /** Where Hookline's own database goes instead (a private cluster a fault may stop), when set. */
  hooklineDatabaseServerUrl?: string;
  retrySchedule: string;
  workers: number;
}

export interface Tenant {
  id: string;
  /** A client of the API with this tenant's key. */
  api: ApiClient;
}

export interface FaultStack {
  topology: Topology;
  orm: Orm;
  apiUrl: string;
  /** A Temporal client on the current server (a new one after each restart). */
  temporal(): Client;
  api(): Child;
  workers(): readonly Child[];
  newTenant(label: string): Promise<Tenant>;
  /** SIGKILL of the API's process group; resolves once it is gone. */
  killApi(): Promise<void>;
  /** Starts the API again on its port; resolves once /readyz answers. */
  startApi(): Promise<void>;
  /** SIGKILL of worker `index`'s process group; resolves once it is gone. */
  killWorker(index: number): Promise<void>;
  /** Starts worker `index` again; resolves once it polls both task queues. */
  startWorker(index: number): Promise<void>;
  /** SIGKILL of the Temporal server's process group; resolves once it is gone. */
  killTemporal(): Promise<void>;
  /** Starts the Temporal server again on its data; resolves once it answers for the namespace. */
  startTemporal(): Promise<void>;
  stop(): Promise<void>;
}

/** One Temporal server of either kind, behind the same kill and start. */
interface TemporalServer {
  address: string;
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function devServer(dir: string): Promise<TemporalServer> {
  const cli = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
  if (!cli) throw new Error('no Temporal CLI: run `npm run temporal:install` or set TEMPORAL_CLI_PATH');
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  let child: Child | undefined;
  const server: TemporalServer = {
    address,
    async start() {
      child = startTemporalDevServer(cli, port, dir, { detached: true });
      const connection = await connectTemporalWhenUp(address, child);
      await connection.close();
    },
    async kill() {
      child?.kill('SIGKILL');
      await child?.exited;
    },
    async stop() {
      await child?.stop();
    },
  };
  await server.start();
  return server;
}

async function waitGone(pid: number): Promise<void> {
  const gone = await waitUntil(
    () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    },
    15_000,
    50,
  );
  if (!gone) throw new Error(`process ${pid} still runs 15 s after SIGKILL`);
}

async function dropDatabases(serverUrl: string, names: string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    for (const name of names) await admin.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.end();
  }
}

async function clusterServer(dir: string, serverUrl: string): Promise<TemporalServer> {
  const prefix = `hookline_faults_temporal_${randomBytes(3).toString('hex')}`;
  // The server takes the frontend port and the ones after it (+1…+3, +50, +100…+103).
  const port = 21000 + Math.floor(Math.random() * 8000);
  let cluster: TemporalCluster | undefined;
  let removeLastResort: (() => void) | undefined;
  const server: TemporalServer = {
    address: `127.0.0.1:${port}`,
    async start() {
      cluster = await startTemporalCluster({
        postgresUrl: serverUrl,
        databasePrefix: prefix,
        dataDir: dir,
        port,
        historyShards: 4,
        // The machine's PostgreSQL (100 connections) is shared with the engine and other test runs:
        // the default pools let the server alone take more than half of it.
        maxConns: { persistence: 6, visibility: 3 },
      });
      const pid = cluster.pid;
      removeLastResort = onExit(() => process.kill(-pid, 'SIGKILL'));
    },
    async kill() {
      if (!cluster) return;
      process.kill(-cluster.pid, 'SIGKILL');
      await waitGone(cluster.pid);
      removeLastResort?.();
      cluster = undefined;
    },
    async stop() {
      try {
        await cluster?.stop();
        removeLastResort?.();
      } finally {
        await dropDatabases(serverUrl, [prefix, `${prefix}_visibility`]);
      }
    },
  };
  await server.start().catch(async (err: unknown) => {
    await dropDatabases(serverUrl, [prefix, `${prefix}_visibility`]).catch(() => undefined);
    throw err;
  });
  return server;
}

/**
 * Starts the whole engine for one topology. `stop()` ends every process it started, drops its
 * databases and removes its files, whatever state the faults left them in.
 */
export async function startFaultStack(options: FaultStackOptions): Promise<FaultStack> {
  runLastResortsOnExit();
  const closers: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const close of closers.reverse()) {
      await close().catch((err: Error) => console.error(`fault stack cleanup: ${err.message}`));
    }
  };
  try {
    const dir = mkdtempSync(join(tmpdir(), `hookline-faults-${options.topology}-`));
    closers.push(async () => rmSync(dir, { recursive: true, force: true }));

    // Each registers its cleanup as soon as it exists, so a failure of another still cleans it up.
    const [temporalServer, bundle, database] = await Promise.all([
      (options.topology === 'dev' ? devServer(dir) : clusterServer(dir, options.databaseServerUrl)).then((server) => {
        closers.push(() => server.stop());
        return server;
      }),
      bundleWorkflows(),
      freshDatabase(options.hooklineDatabaseServerUrl ?? options.databaseServerUrl).then((database) => {
        closers.push(() => database.drop());
        return database;
      }),
    ]);
    const bundlePath = join(dir, 'workflow-bundle.js');
    writeFileSync(bundlePath, bundle.code);

    let connection = await Connection.connect({ address: temporalServer.address });
    let client = new Client({ connection, namespace: NAMESPACE });
    closers.push(() => connection.close());

    const apiPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const engineEnv: Record<string, string> = {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: temporalServer.address,
      TEMPORAL_NAMESPACE: NAMESPACE,
      HOOKLINE_TASK_QUEUE: TASK_QUEUE,
      HOOKLINE_ENCRYPTION_KEYS: `faults:${randomBytes(32).toString('base64')}`,
      HOOKLINE_WORKFLOW_BUNDLE: bundlePath,
      HOOKLINE_ALLOW_PRIVATE_TARGETS: 'true',
      HOOKLINE_RETRY_SCHEDULE: options.retrySchedule,
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      LOG_LEVEL: 'warn',
    };
    // node itself runs the entry point (no npm or tsx wrapper), so a SIGKILL hits the engine.
    const node = (name: string, entry: string) =>
      startChild(name, process.execPath, ['--import', './scripts/node-compat.mjs', '--import', 'tsx', entry], {
        cwd: projectRoot,
        env: { ...baseEnv(), ...engineEnv },
        detached: true,
      });

    // The API migrates the schema; workers start once it has, so they never race to migrate.
    let api = node('api', 'src/main/api.ts');
    closers.push(() => api.stop());
    await waitForReadyz(apiUrl, api);

    const orm = await createOrm(database.url, { max: 2 });
    closers.push(() => orm.close());

    const workers: Child[] = [];
    const startWorker = async (index: number) => {
      if (workers[index] && !workers[index].hasExited()) throw new Error(`worker ${index} is running`);
      const worker = node(`worker-${index}`, 'src/main/worker.ts');
      workers[index] = worker;
      await waitForPollers(connection, worker, TASK_QUEUE);
    };
    closers.push(() => Promise.all(workers.map((w) => w.stop())));
    for (let i = 0; i < options.workers; i++) await startWorker(i);

    const tenants: ApiClient[] = [];
    closers.push(() => Promise.all(tenants.map((t) => t.close())));

    return {
      topology: options.topology,
      orm,
      apiUrl,
      temporal: () => client,
      api: () => api,
      workers: () => workers,
      async newTenant(label) {
        const id = `t_fault_${label}_${randomBytes(3).toString('hex')}`;
        const em = orm.em.fork();
        await ensureTenant(em, id);
        const { key } = await createApiKey(em, { tenantId: id, environment: 'test', scopes: ['manage_webhooks', 'publish_events'] });
        const client = apiClient(apiUrl, key, 24);
        tenants.push(client);
        return { id, api: client };
      },
      async killApi() {
        api.kill('SIGKILL');
        await api.exited;
      },
      async startApi() {
        if (!api.hasExited()) throw new Error('the API is running');
        api = node('api', 'src/main/api.ts');
        await waitForReadyz(apiUrl, api);
      },
      async killWorker(index) {
        const worker = workers[index];
        if (!worker) throw new Error(`no worker ${index}`);
        worker.kill('SIGKILL');
        await worker.exited;
      },
      startWorker,
      killTemporal: () => temporalServer.kill(),
      async startTemporal() {
        await temporalServer.start();
        // The old channel would reconnect by itself; a new one makes the checks' view unambiguous.
        const previous = connection;
        connection = await Connection.connect({ address: temporalServer.address });
        client = new Client({ connection, namespace: NAMESPACE });
        await previous.close().catch(() => undefined);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
