import { ConfigError, type Config } from '../config.js';
import type { SecretBox } from '../delivery/secrets.js';
import { HttpSender } from '../delivery/http-sender.js';
import { AddressPolicy } from '../delivery/address-policy.js';
import { createOrm, migrate, type Orm } from '../db/orm.js';
import { loadCatalogue } from '../catalog/index.js';
import { createServices } from '../services/index.js';
import { createJwtVerifier } from '../services/jwt.js';
import { Client } from '@temporalio/client';
import { connectTemporal, createDeliveryWorkflows, type TemporalSettings } from '../temporal/client.js';
import { connectWorker, createWorker } from '../temporal/worker.js';
import { createDispatcher } from '../temporal/dispatcher.js';
import type { ActivityDeps } from '../../activities/index.js';
import { ensureHousekeepingSchedules } from '../temporal/schedules.js';
import { createOperationalEventPublisher } from '../services/operational-events.js';
import { bindAddress, installTemporalRuntime } from '../temporal/runtime.js';
import type { Logger } from '../logger.js';
import { attemptObserver, createMetrics, serveMetrics, type Metrics } from '../metrics.js';
import { createApp, requestLimits } from '../../api/app.js';
import { answerClientError } from '../../api/client-errors.js';
import { loadPortalPage, type PortalPage } from '../../api/routes/portal.js';
import { ensurePortalBuild } from '../portal/build.js';
import { gracefulCloser } from './http-drain.js';
import { readinessProbe } from './readiness.js';

export { secretBoxFor } from './key-ring.js';

/** Which addresses endpoints may reach: HOOKLINE_ALLOW_PRIVATE_TARGETS and HOOKLINE_ALLOWED_TARGET_CIDRS. */
export function addressPolicyFor(config: Config): AddressPolicy {
  return new AddressPolicy({ allowPrivate: config.allowPrivateTargets, allowCidrs: config.allowedTargetCidrs });
}

/**
 * The built customer portal page, built first when missing or stale. A build that fails leaves the
 * API up without its page (`/portal` is a 404), logged: the API and deliveries do not depend on it.
 */
async function portalPage(logger: Logger): Promise<PortalPage | undefined> {
  try {
    return loadPortalPage(await ensurePortalBuild({ logger }), logger);
  } catch (err) {
    logger.error({ err }, 'could not build the customer portal page; /portal answers 404');
    return undefined;
  }
}

/** Connects to PostgreSQL and brings the schema up to date. */
export async function openDatabase(url: string, pool?: { max?: number }): Promise<Orm> {
  const orm = await createOrm(url, pool);
  await migrate(orm);
  return orm;
}

export function temporalSettings(config: Config, address: string, uiUrl?: string): TemporalSettings {
  return {
    address,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    uiUrl: config.temporal.uiUrl ?? uiUrl,
    verifyTimeoutSeconds: config.verifyTimeoutSeconds,
    workflowTaskTimeoutSeconds: config.temporal.workflowTaskTimeoutSeconds,
  };
}

/**
 * How long a stopping API waits for its requests: the slowest, `POST /endpoints/{id}/verify`, waits
 * for a handshake run bounded by the receiver's limit plus 30 s.
 */
const apiDrainMs = (config: Config) => (config.verifyTimeoutSeconds + 35) * 1000;

/**
 * Starts the REST API on `config.port`. Resolves with its URL and a closer that drains requests.
 * `metrics` is shared with a worker in the same process (`npm start`); by default the API has its own.
 */
export async function startApi(
  config: Config,
  deps: { orm: Orm; secretBox: SecretBox; temporal: TemporalSettings; logger: Logger; metrics?: Metrics },
): Promise<{ url: string; close(): Promise<void> }> {
  const { client, connection } = await connectTemporal(deps.temporal);
  const workflows = createDeliveryWorkflows(client, deps.temporal);
  const services = createServices({
    orm: deps.orm,
    secretBox: deps.secretBox,
    workflows,
    catalogue: loadCatalogue(),
    logger: deps.logger,
    addressPolicy: addressPolicyFor(config),
  });
  const readiness = readinessProbe({ orm: deps.orm, temporalAddress: deps.temporal.address, logger: deps.logger });
  const app = createApp({
    services,
    logger: deps.logger,
    maxBodyBytes: config.maxEventBytes,
    jwt: createJwtVerifier(config.jwt, deps.logger),
    ready: readiness.check,
    idempotency: requestLimits(config.requestTimeoutSeconds),
    metrics: deps.metrics ?? createMetrics({ database: { orm: deps.orm, logger: deps.logger } }),
    portal: {
      page: await portalPage(deps.logger),
      frameAncestors: config.portalFrameAncestors,
      publicUrl: config.publicUrl,
    },
  });
  const server = app.listen(config.port, config.host);
  server.on('clientError', answerClientError);
  const closeServer = gracefulCloser(server, deps.logger);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    url: `http://${config.host}:${port}`,
    async close() {
      await closeServer(apiDrainMs(config));
      await readiness.close();
      await connection.close();
    },
  };
}

/** What the activities take from the configuration: retry schedule, hold deadline, housekeeping, handshake limit. */
export function activitySettings(config: Config): Pick<ActivityDeps, 'delivery' | 'housekeeping' | 'verification'> {
  return {
    housekeeping: config.housekeeping,
    delivery: {
      retryScheduleSeconds: config.retryScheduleSeconds,
      maxRetryIntervalSeconds: config.maxRetryIntervalSeconds,
      holdDeadlineSeconds: config.holdDeadlineSeconds,
    },
    verification: { timeoutSeconds: config.verifyTimeoutSeconds },
  };
}

/**
 * Runs a Temporal worker until `stop` is called; `stop` lets in-flight attempts finish and be
 * recorded (up to the worker's shutdown grace time). Its attempt latency goes to `metrics` (shared
 * with the API under `npm start`), served on HOOKLINE_WORKER_METRICS_PORT when that is set.
 */
export async function startWorker(
  config: Config,
  deps: { orm: Orm; secretBox: SecretBox; temporal: TemporalSettings; logger: Logger; metrics?: Metrics },
): Promise<{ stop(): Promise<void>; done: Promise<void> }> {
  const { temporalPort, workerPort } = config.metrics;
  installTemporalRuntime(deps.logger, { metricsBindAddress: temporalPort ? bindAddress(config.host, temporalPort) : undefined });
  const metrics = deps.metrics ?? createMetrics();
  const metricsServer = workerPort === undefined ? undefined : await serveMetrics(metrics.registry, config.host, workerPort);
  if (metricsServer) deps.logger.info({ url: metricsServer.url }, 'worker metrics listening');
  const sender = new HttpSender(addressPolicyFor(config), attemptObserver(metrics));
  // One native connection for the worker and its client: workflows this process starts (the
  // dispatcher's, the reconciler's) start eagerly, their first task handed straight to this worker.
  const connection = await connectWorker(deps.temporal.address);
  const client = new Client({ connection, namespace: deps.temporal.namespace });
  const workflows = createDeliveryWorkflows(client, deps.temporal, { eagerStart: true });
  const worker = await createWorker(connection, { ...deps.temporal, tuning: config.worker }, {
    orm: deps.orm,
    secretBox: deps.secretBox,
    sender,
    logger: deps.logger,
    temporal: client,
    workflows,
    operationalEvents: createOperationalEventPublisher({ orm: deps.orm, workflows, catalogue: loadCatalogue(), logger: deps.logger }),
    ...activitySettings(config),
  });
  // Deliveries flow without housekeeping: a Temporal that refuses the Schedules is logged, not fatal.
  await ensureHousekeepingSchedules(client, deps.temporal.taskQueue, config.housekeeping, deps.logger).catch((err: unknown) =>
    deps.logger.error({ err }, 'could not create the housekeeping schedules'),
  );
  const dispatcher = createDispatcher({ orm: deps.orm, workflows, logger: deps.logger, batchSize: config.worker.dispatchBatch });
  const done = worker.run().finally(async () => {
    await dispatcher.stop();
    await sender.close();
    await connection.close();
    await metricsServer?.close();
  });
  // Once the worker polls, so eager starts find it.
  await dispatcher.start();
  return {
    done,
    async stop() {
      await dispatcher.stop();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}

/**
 * Runs `fn` on the first SIGTERM/SIGINT, then exits 0 (1 if `fn` fails). A second signal while
 * `fn` runs exits at once with 1, for an impatient Ctrl-C.
 */
export function onShutdown(logger: Logger, fn: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    fn()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}

/** Prints a configuration error and exits, or rethrows anything else. */
export function exitOnConfigError(err: unknown): never {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
