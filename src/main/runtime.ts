import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError, type Config } from '../config.js';
import { SecretBox } from '../delivery/secrets.js';
import { HttpSender } from '../delivery/http-sender.js';
import { createOrm, migrate, type Orm } from '../db/orm.js';
import { loadCatalogue } from '../catalog/index.js';
import { createServices } from '../services/index.js';
import { createJwtVerifier } from '../services/jwt.js';
import { connectTemporal, createDeliveryWorkflows, type TemporalSettings } from '../temporal/client.js';
import { createWorker } from '../temporal/worker.js';
import { installTemporalRuntime } from '../temporal/runtime.js';
import type { Logger } from '../logger.js';
import { createApp } from '../../api/app.js';

/**
 * The encryption key ring: `HOOKLINE_ENCRYPTION_KEYS`, or, for the embedded development stack
 * only, a key generated once into the data directory.
 */
export function secretBoxFor(config: Config, allowGeneratedKey: boolean): SecretBox {
  if (config.encryptionKeys) return new SecretBox(config.encryptionKeys);
  if (!allowGeneratedKey) {
    throw new ConfigError('Invalid configuration:\n  HOOKLINE_ENCRYPTION_KEYS: required (e.g. "k1:<base64 of 32 bytes>")');
  }
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, 'encryption-key');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  return new SecretBox([{ id: 'dev', key: Buffer.from(readFileSync(file, 'utf8').trim(), 'base64') }]);
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
  };
}

/** Starts the REST API on `config.port`. Resolves with its URL and a closer that drains requests. */
export async function startApi(
  config: Config,
  deps: { orm: Orm; secretBox: SecretBox; temporal: TemporalSettings; logger: Logger },
): Promise<{ url: string; close(): Promise<void> }> {
  const { client, connection } = await connectTemporal(deps.temporal);
  const workflows = createDeliveryWorkflows(client, deps.temporal);
  const services = createServices({
    orm: deps.orm,
    secretBox: deps.secretBox,
    workflows,
    catalogue: loadCatalogue(),
    logger: deps.logger,
  });
  const app = createApp({
    services,
    logger: deps.logger,
    maxBodyBytes: config.maxEventBytes,
    jwt: createJwtVerifier(config.jwt, deps.logger),
    ready: async () => {
      await deps.orm.em.fork().getConnection().execute('select 1');
      await connection.healthService.check({});
    },
  });
  const server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    url: `http://${config.host}:${port}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await connection.close();
    },
  };
}

/** Runs a Temporal worker until `stop` is called. */
export async function startWorker(
  config: Config,
  deps: { orm: Orm; secretBox: SecretBox; temporal: TemporalSettings; logger: Logger },
): Promise<{ stop(): Promise<void>; done: Promise<void> }> {
  installTemporalRuntime(deps.logger);
  const sender = new HttpSender({ allowPrivate: config.allowPrivateTargets });
  const { worker, connection } = await createWorker(deps.temporal, {
    orm: deps.orm,
    secretBox: deps.secretBox,
    sender,
    logger: deps.logger,
    delivery: {
      retryScheduleSeconds: config.retryScheduleSeconds,
      maxRetryIntervalSeconds: config.maxRetryIntervalSeconds,
      holdDeadlineSeconds: config.holdDeadlineSeconds,
    },
    verification: { timeoutSeconds: config.verifyTimeoutSeconds },
  });
  const done = worker.run().finally(async () => {
    await sender.close();
    await connection.close();
  });
  return {
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}

/** Runs `fn` on SIGTERM/SIGINT once, then exits. */
export function onShutdown(logger: Logger, fn: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
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
