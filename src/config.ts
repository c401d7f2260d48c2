import { z } from 'zod';
import { isCidr } from './delivery/address-policy.js';

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const retrySchedule = z
  .string()
  .transform((value, ctx) => {
    const parts = value.split(',').map((part) => part.trim()).filter(Boolean);
    const seconds = parts.map(Number);
    if (seconds.length === 0 || seconds.some((s) => !Number.isFinite(s) || s < 0)) {
      ctx.addIssue({ code: 'custom', message: 'expected comma-separated non-negative seconds, e.g. "5,300,1800"' });
      return z.NEVER;
    }
    return seconds;
  });

const encryptionKeys = z.string().transform((value, ctx) => {
  // "kid1:base64key,kid2:base64key" — the first key is the newest and encrypts, every key decrypts
  // (rotation: put a new key first, run `secrets reencrypt`, then drop the old one).
  const keys: { id: string; key: Buffer }[] = [];
  for (const entry of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [id, material] = entry.split(':');
    const key = material ? Buffer.from(material, 'base64') : Buffer.alloc(0);
    if (!id || !/^[A-Za-z0-9_-]{1,32}$/.test(id) || key.length !== 32) {
      ctx.addIssue({ code: 'custom', message: 'expected "<key id>:<base64 of 32 bytes>[,…]"' });
      return z.NEVER;
    }
    if (keys.some((k) => k.id === id)) {
      ctx.addIssue({ code: 'custom', message: `key id "${id}" is listed twice` });
      return z.NEVER;
    }
    keys.push({ id, key });
  }
  if (keys.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'at least one key is required' });
    return z.NEVER;
  }
  return keys;
});

const cidrList = z.string().transform((value, ctx) => {
  const cidrs = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = cidrs.filter((cidr) => !isCidr(cidr));
  if (bad.length > 0) {
    ctx.addIssue({ code: 'custom', message: `expected comma-separated CIDRs such as "10.1.0.0/16,fd12:3456::/32" (not: ${bad.join(', ')})` });
    return z.NEVER;
  }
  return cidrs;
});

const tenantList = z.string().transform((value) => value.split(',').map((t) => t.trim()).filter(Boolean));

/** HOOKLINE_REQUEST_TIMEOUT_SECONDS: how long a request holding an Idempotency-Key may run. */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;
/**
 * Temporal's default is 10 s. A delivery's first attempt runs inside its first workflow task, so
 * this is how long a killed worker's fresh deliveries wait; an attempt longer than it is not cut
 * off (the SDK extends the task while a local activity runs). Chosen by the benchmark's count of
 * timeouts at saturation (test/bench/RESULTS.md).
 */
export const DEFAULT_WORKFLOW_TASK_TIMEOUT_SECONDS = 5;

/** An http(s) base URL without query or fragment; a trailing slash is dropped. */
const publicUrl = z.string().transform((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected an http:// or https:// URL, e.g. https://webhooks.example.com' });
    return z.NEVER;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: 'expected an http:// or https:// URL without credentials, query or fragment' });
    return z.NEVER;
  }
  return url.href.replace(/\/+$/, '');
});

/**
 * CSP `frame-ancestors` sources, separated by spaces or commas: `'self'`, `'none'` (or `self`,
 * `none`), and origins such as `https://app.example.com`, `https://*.example.com`,
 * `http://localhost:8080`. Anything else is refused, so no value can add a directive to the policy.
 */
const frameAncestors = z.string().transform((value, ctx) => {
  const sources = value.split(/[\s,]+/).filter(Boolean).map((s) => (s === 'self' || s === 'none' ? `'${s}'` : s));
  const origin = /^https?:\/\/(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?$/;
  const bad = sources.find((s) => s !== "'self'" && s !== "'none'" && !origin.test(s));
  if (sources.length === 0 || bad !== undefined) {
    ctx.addIssue({ code: 'custom', message: `expected 'self', 'none' or origins such as https://app.example.com${bad ? ` (not: ${bad})` : ''}` });
    return z.NEVER;
  }
  if (sources.includes("'none'") && sources.length > 1) {
    ctx.addIssue({ code: 'custom', message: "'none' cannot be combined with other sources" });
    return z.NEVER;
  }
  return sources;
});

const EnvSchema = z.object({
  NODE_ENV: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().url().optional(),
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_UI_URL: z.string().url().optional(),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  HOOKLINE_TASK_QUEUE: z.string().min(1).default('hookline'),
  HOOKLINE_DEV_API_KEY: z
    .string()
    .regex(/^hk_(test|live)_[A-Za-z0-9]{16,64}$/, 'expected hk_test_ or hk_live_ followed by 16–64 letters or digits')
    .optional(),
  HOOKLINE_RETRY_SCHEDULE: retrySchedule.default([5, 300, 1800, 7200, 18000, 36000, 36000]),
  HOOKLINE_MAX_RETRY_INTERVAL_SECONDS: z.coerce.number().positive().optional(),
  HOOKLINE_HOLD_DEADLINE_SECONDS: z.coerce.number().positive().default(7 * 24 * 3600),
  HOOKLINE_ALLOW_PRIVATE_TARGETS: booleanFromEnv.optional(),
  HOOKLINE_ALLOWED_TARGET_CIDRS: cidrList.default([]),
  HOOKLINE_ENCRYPTION_KEYS: encryptionKeys.optional(),
  HOOKLINE_DATA_DIR: z.string().min(1).default('.hookline'),
  HOOKLINE_MAX_EVENT_BYTES: z.coerce.number().int().positive().default(256 * 1024),
  HOOKLINE_VERIFY_TIMEOUT_SECONDS: z.coerce.number().positive().max(300).default(30),
  HOOKLINE_WORKFLOW_TASK_TIMEOUT_SECONDS: z.coerce.number().int().min(2).max(60).default(DEFAULT_WORKFLOW_TASK_TIMEOUT_SECONDS),
  HOOKLINE_REQUEST_TIMEOUT_SECONDS: z.coerce.number().positive().max(600).default(DEFAULT_REQUEST_TIMEOUT_SECONDS),
  HOOKLINE_RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(60),
  HOOKLINE_AUTO_DISABLE_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(3600),
  HOOKLINE_AUTO_DISABLE_AFTER_SECONDS: z.coerce.number().int().min(1).default(5 * 24 * 3600),
  HOOKLINE_RETENTION_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(24 * 3600),
  HOOKLINE_RETENTION_DAYS: z.coerce.number().positive().default(30),
  HOOKLINE_HOUSEKEEPING_TENANTS: tenantList.default([]),
  HOOKLINE_JWT_SECRET: z.string().min(32, 'use at least 32 characters').optional(),
  HOOKLINE_JWKS_URL: z.string().url().optional(),
  HOOKLINE_JWT_ISSUER: z.string().min(1).optional(),
  HOOKLINE_JWT_AUDIENCE: z.string().min(1).optional(),
  HOOKLINE_WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  HOOKLINE_TEMPORAL_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  HOOKLINE_WORKER_WORKFLOW_TASK_SLOTS: z.coerce.number().int().min(2).max(1000).default(100),
  HOOKLINE_WORKER_ACTIVITY_SLOTS: z.coerce.number().int().min(1).max(5000).default(200),
  HOOKLINE_WORKER_LOCAL_ACTIVITY_SLOTS: z.coerce.number().int().min(1).max(5000).default(200),
  HOOKLINE_WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100000).default(200),
  HOOKLINE_DISPATCH_BATCH: z.coerce.number().int().min(1).max(1000).default(20),
  HOOKLINE_PUBLIC_URL: publicUrl.optional(),
  HOOKLINE_PORTAL_FRAME_ANCESTORS: frameAncestors.default(["'self'"]),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  temporal: {
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    uiUrl: string | undefined;
    cliPath: string | undefined;
    /**
     * How long Temporal waits for a worker to answer a delivery's workflow task before another may
     * take it: the time a killed worker's new deliveries wait (HOOKLINE_WORKFLOW_TASK_TIMEOUT_SECONDS).
     */
    workflowTaskTimeoutSeconds: number;
  };
  devApiKey: string | undefined;
  retryScheduleSeconds: number[];
  maxRetryIntervalSeconds: number;
  holdDeadlineSeconds: number;
  allowPrivateTargets: boolean;
  /** Refused ranges that endpoints may reach all the same (HOOKLINE_ALLOWED_TARGET_CIDRS). */
  allowedTargetCidrs: string[];
  encryptionKeys: { id: string; key: Buffer }[] | undefined;
  dataDir: string;
  maxEventBytes: number;
  /** The URL clients reach Hookline at (HOOKLINE_PUBLIC_URL): portal links are made with it; by default the request's own origin. */
  publicUrl: string | undefined;
  /** Who may embed the customer portal in a frame: the CSP `frame-ancestors` sources (HOOKLINE_PORTAL_FRAME_ANCESTORS). */
  portalFrameAncestors: string[];
  /** Limit of the URL-ownership handshake. */
  verifyTimeoutSeconds: number;
  /**
   * Deadline of a request holding an Idempotency-Key (answered 503 `request_timeout` after it);
   * its claim's lease is twice as long.
   */
  requestTimeoutSeconds: number;
  housekeeping: HousekeepingConfig;
  /** Admin JWTs: an HS256 secret or a JWKS URL (both may be set). */
  jwt: { secret: string | undefined; jwksUrl: string | undefined; issuer: string | undefined; audience: string | undefined };
  /** Prometheus ports of a worker process: its own metrics, and the Temporal SDK's (both off when unset). */
  metrics: { workerPort: number | undefined; temporalPort: number | undefined };
  /** A worker's Temporal slots and cache, and its dispatcher's batch (see README, Tuning). */
  worker: WorkerTuning;
  logLevel: Env['LOG_LEVEL'];
}

export interface WorkerTuning {
  workflowTaskSlots: number;
  activitySlots: number;
  localActivitySlots: number;
  /** Workflows kept in memory between tasks; others are replayed from history when they wake. */
  maxCachedWorkflows: number;
  dispatchBatch: number;
}

/** The Temporal Schedules that reconcile, auto-disable and purge. */
export interface HousekeepingConfig {
  reconcileIntervalSeconds: number;
  autoDisableIntervalSeconds: number;
  /** An endpoint whose attempts have all failed for this long is disabled (`disabled_reason: failing`). */
  autoDisableAfterSeconds: number;
  retentionIntervalSeconds: number;
  /** Finished deliveries (and their attempts and events) older than this are deleted. */
  retentionDays: number;
  /** Housekeeping touches only these tenants; empty means all (several deployments sharing one database). */
  tenants: string[];
}

/** Thrown when the environment holds a bad value; the message names each variable. */
export class ConfigError extends Error {}

/**
 * Parses the process environment once. A bad value stops the process with a message
 * naming the variable.
 * @param defaults raw values used when a variable is absent (e.g. `npm start` allows private targets)
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, defaults: Record<string, string> = {}): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse({ ...defaults, ...present });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const schedule = e.HOOKLINE_RETRY_SCHEDULE;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.HOOKLINE_TASK_QUEUE,
      uiUrl: e.TEMPORAL_UI_URL,
      cliPath: e.TEMPORAL_CLI_PATH,
      workflowTaskTimeoutSeconds: e.HOOKLINE_WORKFLOW_TASK_TIMEOUT_SECONDS,
    },
    devApiKey: e.HOOKLINE_DEV_API_KEY,
    retryScheduleSeconds: schedule,
    maxRetryIntervalSeconds: e.HOOKLINE_MAX_RETRY_INTERVAL_SECONDS ?? Math.max(...schedule),
    holdDeadlineSeconds: e.HOOKLINE_HOLD_DEADLINE_SECONDS,
    allowPrivateTargets: e.HOOKLINE_ALLOW_PRIVATE_TARGETS ?? false,
    allowedTargetCidrs: e.HOOKLINE_ALLOWED_TARGET_CIDRS,
    encryptionKeys: e.HOOKLINE_ENCRYPTION_KEYS,
    dataDir: e.HOOKLINE_DATA_DIR,
    maxEventBytes: e.HOOKLINE_MAX_EVENT_BYTES,
    publicUrl: e.HOOKLINE_PUBLIC_URL,
    portalFrameAncestors: e.HOOKLINE_PORTAL_FRAME_ANCESTORS,
    verifyTimeoutSeconds: e.HOOKLINE_VERIFY_TIMEOUT_SECONDS,
    requestTimeoutSeconds: e.HOOKLINE_REQUEST_TIMEOUT_SECONDS,
    housekeeping: {
      reconcileIntervalSeconds: e.HOOKLINE_RECONCILE_INTERVAL_SECONDS,
      autoDisableIntervalSeconds: e.HOOKLINE_AUTO_DISABLE_INTERVAL_SECONDS,
      autoDisableAfterSeconds: e.HOOKLINE_AUTO_DISABLE_AFTER_SECONDS,
      retentionIntervalSeconds: e.HOOKLINE_RETENTION_INTERVAL_SECONDS,
      retentionDays: e.HOOKLINE_RETENTION_DAYS,
      tenants: e.HOOKLINE_HOUSEKEEPING_TENANTS,
    },
    jwt: {
      secret: e.HOOKLINE_JWT_SECRET,
      jwksUrl: e.HOOKLINE_JWKS_URL,
      issuer: e.HOOKLINE_JWT_ISSUER,
      audience: e.HOOKLINE_JWT_AUDIENCE,
    },
    metrics: { workerPort: e.HOOKLINE_WORKER_METRICS_PORT, temporalPort: e.HOOKLINE_TEMPORAL_METRICS_PORT },
    worker: {
      workflowTaskSlots: e.HOOKLINE_WORKER_WORKFLOW_TASK_SLOTS,
      activitySlots: e.HOOKLINE_WORKER_ACTIVITY_SLOTS,
      localActivitySlots: e.HOOKLINE_WORKER_LOCAL_ACTIVITY_SLOTS,
      maxCachedWorkflows: e.HOOKLINE_WORKER_MAX_CACHED_WORKFLOWS,
      dispatchBatch: e.HOOKLINE_DISPATCH_BATCH,
    },
    logLevel: e.LOG_LEVEL,
  };
}
