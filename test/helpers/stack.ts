import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createOrm, type Orm } from '../../src/db/orm.js';
import { createApiKey, ensureTenant } from '../../src/services/api-keys.js';
import type { Environment, Scope } from '../../src/db/entities/index.js';
import { secretBoxFor, startApi, startWorker, temporalSettings } from '../../src/main/runtime.js';
import type { TestEnvironment } from './global-setup.js';

export interface StackOptions {
  retrySchedule?: number[];
  maxRetryIntervalSeconds?: number;
  holdDeadlineSeconds?: number;
  /** Run a worker in this process (default). Off for tests that run workers as child processes. */
  worker?: boolean;
  /** A database other than the run's (see privateDatabase), migrated already. */
  databaseUrl?: string;
  /** Another Temporal server than the run's dev server (its `default` namespace is used). */
  temporalAddress?: string;
  /** Overrides of the environment, e.g. `HOOKLINE_ENCRYPTION_KEYS` for a key ring of the test's own. */
  extraEnv?: Record<string, string>;
}

export interface Tenant {
  id: string;
  apiKey: string;
  /** `fetch` against the API with this tenant's key. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
}

export interface Stack {
  env: TestEnvironment;
  apiUrl: string;
  taskQueue: string;
  /** Environment for a child worker process serving this stack's task queue. */
  workerEnv: Record<string, string>;
  orm: Orm;
  temporal: Client;
  /** A fresh tenant with an API key; `id` picks its id (e.g. to name it in HOOKLINE_HOUSEKEEPING_TENANTS). */
  newTenant(options?: { id?: string; environment?: Environment; scopes?: Scope[] }): Promise<Tenant>;
  stop(): Promise<void>;
}

/**
 * The real engine for one test file: API and worker (in this process) against the run's Temporal
 * dev server and database, on a task queue of its own so files do not see each other's work.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const shared = inject('hookline');
  const env = {
    ...shared,
    ...(options.databaseUrl && { databaseUrl: options.databaseUrl }),
    ...(options.temporalAddress && { temporalAddress: options.temporalAddress }),
  };
  const taskQueue = `hookline-test-${randomBytes(4).toString('hex')}`;
  const workerEnv: Record<string, string> = {
    DATABASE_URL: env.databaseUrl,
    TEMPORAL_ADDRESS: env.temporalAddress,
    TEMPORAL_NAMESPACE: env.namespace,
    TEMPORAL_UI_URL: env.temporalUiUrl,
    HOOKLINE_TASK_QUEUE: taskQueue,
    HOOKLINE_ENCRYPTION_KEYS: env.encryptionKeys,
    HOOKLINE_WORKFLOW_BUNDLE: env.workflowBundlePath,
    HOOKLINE_ALLOW_PRIVATE_TARGETS: 'true',
    HOOKLINE_RETRY_SCHEDULE: (options.retrySchedule ?? [1, 1, 1, 1]).join(','),
    ...(options.maxRetryIntervalSeconds !== undefined && {
      HOOKLINE_MAX_RETRY_INTERVAL_SECONDS: String(options.maxRetryIntervalSeconds),
    }),
    ...(options.holdDeadlineSeconds !== undefined && { HOOKLINE_HOLD_DEADLINE_SECONDS: String(options.holdDeadlineSeconds) }),
    PORT: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    ...options.extraEnv,
  };
  const config = loadConfig(workerEnv);
  const logger = createLogger(config.logLevel, 'hookline-test');
  const secretBox = secretBoxFor(config, false);
  const orm = await createOrm(env.databaseUrl, { max: env.embeddedDatabase ? 2 : 5 });
  const settings = temporalSettings(config, env.temporalAddress);
  process.env.HOOKLINE_WORKFLOW_BUNDLE = env.workflowBundlePath;
  const worker = options.worker === false ? undefined : await startWorker(config, { orm, secretBox, temporal: settings, logger });
  const api = await startApi(config, { orm, secretBox, temporal: settings, logger });
  const connection = await Connection.connect({ address: env.temporalAddress });
  const temporal = new Client({ connection, namespace: env.namespace });

  return {
    env,
    apiUrl: api.url,
    taskQueue,
    workerEnv,
    orm,
    temporal,
    async newTenant({ id = `t_${randomBytes(5).toString('hex')}`, environment = 'test', scopes = ['manage_webhooks', 'publish_events'] as Scope[] } = {}) {
      const em = orm.em.fork();
      await ensureTenant(em, id);
      const { key } = await createApiKey(em, { tenantId: id, environment, scopes });
      return {
        id,
        apiKey: key,
        async api(method, path, body, headers = {}) {
          const res = await fetch(`${api.url}/manage/v1/webhooks${path}`, {
            method,
            headers: {
              authorization: `Bearer ${key}`,
              ...(body !== undefined && { 'content-type': 'application/json' }),
              ...headers,
            },
            ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
          });
          const text = await res.text();
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: keep the text
          }
          return { status: res.status, body: parsed, headers: res.headers };
        },
      };
    },
    async stop() {
      await api.close();
      await worker?.stop();
      await connection.close();
      await orm.close();
    },
  };
}
