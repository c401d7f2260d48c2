/**
 * `npm run bench`: publishes BENCH_EVENTS events through the real stack (Koa API → PostgreSQL →
 * Temporal dev server → worker → HttpSender) to a loopback receiver, and reports deliveries/s and
 * event→receipt latency as ratios against a baseline measured in the same run: the same receiver
 * driven directly by the engine's own HttpSender (signed POSTs, same concurrency, no Hookline).
 *
 * Every (event, endpoint) pair is counted at the receiver and every delivery row is checked in the
 * database; anything missing, failed or badly signed exits 1. The run stops by itself after
 * BENCH_TIMEOUT_SECONDS (default 300).
 *
 * Env: BENCH_EVENTS (300; 100 on the embedded database unless set), BENCH_ENDPOINTS (2),
 * BENCH_CONCURRENCY (16), BENCH_WARMUP (5 events, not measured), BENCH_TIMEOUT_SECONDS (300),
 * DATABASE_URL (a fresh database is created on that server and dropped; embedded PGlite when unset),
 * LOG_LEVEL (warn).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import { Agent, request } from 'undici';
import { loadConfig } from '../../src/config.js';
import type { Logger } from '../../src/logger.js';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import type { Orm } from '../../src/db/orm.js';
import { bundleWorkflows } from '../../src/temporal/worker.js';
import { installTemporalRuntime } from '../../src/temporal/runtime.js';
import { HttpSender } from '../../src/delivery/http-sender.js';
import { signPayload, webhookHeaders } from '../../src/delivery/signing.js';
import { createApiKey, ensureTenant } from '../../src/services/api-keys.js';
import { openDatabase, secretBoxFor, startApi, startWorker, temporalSettings } from '../../src/main/runtime.js';

// ---------------------------------------------------------------------------------------------
// Parameters

function intEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
    process.exit(2);
  }
  return n;
}

const externalDatabase = process.env.DATABASE_URL || undefined;
const eventsSet = process.env.BENCH_EVENTS !== undefined && process.env.BENCH_EVENTS !== '';
const EVENTS = intEnv('BENCH_EVENTS', externalDatabase ? 300 : 100, 1, 100_000);
const ENDPOINTS = intEnv('BENCH_ENDPOINTS', 2, 1, 50);
const CONCURRENCY = intEnv('BENCH_CONCURRENCY', 16, 1, 256);
const WARMUP = intEnv('BENCH_WARMUP', 5, 0, 1000);
const TIMEOUT_SECONDS = intEnv('BENCH_TIMEOUT_SECONDS', 300, 10, 3600);
const LOG_LEVEL = process.env.LOG_LEVEL || 'warn';
const DELIVERIES = EVENTS * ENDPOINTS;
const EVENT_TYPE = 'order.created';

const runStarted = Date.now();
const deadline = runStarted + TIMEOUT_SECONDS * 1000;
/** Kept free before the hard deadline for verification and shutdown. */
const MARGIN_MS = Math.min(20_000, TIMEOUT_SECONDS * 100);

// ---------------------------------------------------------------------------------------------
// Small helpers

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

function ms(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  if (v < 10) return `${v.toFixed(2)} ms`;
  if (v < 100) return `${v.toFixed(1)} ms`;
  return `${Math.round(v)} ms`;
}

function rate(v: number): string {
  return v >= 100 ? String(Math.round(v)) : v.toFixed(1);
}

function ratio(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  if (v < 0.01) return `${v.toFixed(4)}×`;
  if (v < 10) return `${v.toFixed(3)}×`;
  return `${Math.round(v)}×`;
}

function remainingMs(): number {
  return deadline - Date.now();
}

/** Runs `fn(0..n-1)` with at most `concurrency` in flight. Bounded: each index runs once. */
async function runPool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, n) }, async () => {
    while (next < n) {
      const i = next++;
      await fn(i);
    }
  });
  await Promise.all(lanes);
}

/** Polls `check` every `everyMs` until it is true or `timeoutMs` passes (capped by the run deadline). */
async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 25): Promise<boolean> {
  const until = Math.min(Date.now() + timeoutMs, deadline);
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= until) return false;
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------------
// Cleanup: every resource registers its closer as soon as it exists; closers run in reverse order.

const closers: { what: string; fn: () => Promise<unknown> }[] = [];
let cleaning: Promise<void> | undefined;

function onCleanup(what: string, fn: () => Promise<unknown>): void {
  closers.push({ what, fn });
}

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    while (closers.length > 0) {
      const { what, fn } = closers.pop()!;
      try {
        await Promise.race([
          fn(),
          sleep(30_000).then(() => {
            throw new Error('did not finish within 30 s');
          }),
        ]);
      } catch (err) {
        console.error(`cleanup: ${what} failed: ${(err as Error).message}`);
      }
    }
  })();
  return cleaning;
}

async function finish(code: number): Promise<never> {
  await cleanup();
  process.exit(code);
}

let aborted = false;
const overallTimer = setTimeout(() => {
  aborted = true;
  console.error(`bench: FAILED — did not finish within ${TIMEOUT_SECONDS} s (BENCH_TIMEOUT_SECONDS); shutting down`);
  void finish(1);
}, TIMEOUT_SECONDS * 1000);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`bench: ${signal}, shutting down`);
    void finish(130);
  });
}

// ---------------------------------------------------------------------------------------------
// Logs: the engine logs through pino; count warnings and errors and pass them to stderr.

const logCounts = { warn: 0, error: 0 };
const logSamples: string[] = [];
const logSink = new Writable({
  write(chunk: Buffer, _enc, done) {
    const text = chunk.toString('utf8');
    for (const line of text.split('\n')) {
      if (!line) continue;
      let level = 0;
      try {
        level = (JSON.parse(line) as { level?: number }).level ?? 0;
      } catch {
        // not JSON: pass through
      }
      if (level >= 50) logCounts.error++;
      else if (level >= 40) logCounts.warn++;
      if (level >= 40 && logSamples.length < 5) logSamples.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
    }
    process.stderr.write(text, () => done());
  },
});

function benchLogger(level: string): Logger {
  return pino(
    { name: 'hookline-bench', level, redact: { paths: ['authorization', '*.authorization', 'secret', '*.secret'], censor: '[redacted]' } },
    logSink,
  );
}

// ---------------------------------------------------------------------------------------------
// The loopback receiver: counts every (webhook-id, path) pair and the latency from the sender's
// `data.t0` (performance.now() in this process) to the moment the body is complete.

interface Receipt {
  count: number;
  latencyMs: number;
  at: number;
}

interface Receiver {
  base: string;
  /** `${webhook-id} ${path}` → first receipt and count. */
  receipts: Map<string, Receipt>;
  secrets: Map<string, string>;
  badSignatures: number;
  unparsable: number;
  close(): Promise<void>;
}

async function startBenchReceiver(): Promise<Receiver> {
  const receipts = new Map<string, Receipt>();
  const secrets = new Map<string, string>();
  const state = { badSignatures: 0, unparsable: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '';
      const id = String(req.headers['webhook-id'] ?? '');
      const timestamp = Number(req.headers['webhook-timestamp']);
      const signatures = String(req.headers['webhook-signature'] ?? '').split(' ');
      const secret = secrets.get(path);
      if (!secret || !signatures.includes(signPayload(secret, id, timestamp, body))) state.badSignatures++;
      let t0 = NaN;
      try {
        t0 = Number((JSON.parse(body) as { data?: { t0?: unknown } }).data?.t0);
      } catch {
        state.unparsable++;
      }
      const key = `${id} ${path}`;
      const seen = receipts.get(key);
      if (seen) seen.count++;
      else receipts.set(key, { count: 1, latencyMs: at - t0, at });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    receipts,
    secrets,
    get badSignatures() {
      return state.badSignatures;
    },
    get unparsable() {
      return state.unparsable;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

// ---------------------------------------------------------------------------------------------
// Baseline: the receiver driven directly by HttpSender, the engine's own undici client, with
// Standard Webhooks signatures and the same body shape, at the same concurrency.

interface BaselineResult {
  requests: number;
  perSecond: number;
  latencies: number[];
  failures: number;
}

async function runBaseline(receiver: Receiver, sender: HttpSender, count: number, prefix: string): Promise<BaselineResult> {
  const paths = Array.from({ length: ENDPOINTS }, (_, k) => `/${prefix}/${k}`);
  for (const path of paths) receiver.secrets.set(path, newSecret());
  let failures = 0;
  const keys: string[] = [];
  const started = performance.now();
  let lastDone = started;
  await runPool(count, CONCURRENCY, async (i) => {
    const seq = Math.floor(i / ENDPOINTS);
    const path = paths[i % ENDPOINTS]!;
    const id = `msg_${prefix}_${seq}`;
    const t0 = performance.now();
    const body = JSON.stringify({ type: EVENT_TYPE, timestamp: new Date().toISOString(), data: { seq, t0, bench: true } });
    const headers = {
      'content-type': 'application/json',
      ...webhookHeaders([receiver.secrets.get(path)!], id, Math.floor(Date.now() / 1000), body),
    };
    const res = await sender.send({ url: `${receiver.base}${path}`, headers, body, timeoutMs: 10_000 });
    if (res.status !== 200) failures++;
    keys.push(`${id} ${path}`);
    lastDone = performance.now();
  });
  const latencies = keys.map((k) => receiver.receipts.get(k)?.latencyMs ?? NaN).filter(Number.isFinite);
  return { requests: count, perSecond: count / ((lastDone - started) / 1000), latencies, failures };
}

// ---------------------------------------------------------------------------------------------
// Hookline API client (undici, its own pool sized to the publishers).

interface ApiClient {
  call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

function apiClient(apiUrl: string, key: string): ApiClient {
  const agent = new Agent({ connections: CONCURRENCY + 2, keepAliveTimeout: 30_000 });
  return {
    async call(method, path, body) {
      const res = await request(`${apiUrl}/manage/v1/webhooks${path}`, {
        method,
        dispatcher: agent,
        headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      });
      const text = await res.body.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // keep the text
      }
      return { status: res.statusCode, body: parsed };
    },
    close: () => agent.close(),
  };
}

interface PublishRun {
  eventIds: string[];
  publishLatencies: number[];
  failures: string[];
  started: number;
}

async function publishEvents(api: ApiClient, count: number, label: string): Promise<PublishRun> {
  const eventIds: string[] = [];
  const publishLatencies: number[] = [];
  const failures: string[] = [];
  const started = performance.now();
  await runPool(count, CONCURRENCY, async (seq) => {
    if (aborted || remainingMs() <= 0) {
      failures.push(`${label} ${seq}: run deadline passed`);
      return;
    }
    const t0 = performance.now();
    try {
      const res = await api.call('POST', '/events', { type: EVENT_TYPE, data: { seq, t0, run: label, bench: true } });
      publishLatencies.push(performance.now() - t0);
      if (res.status !== 202 || typeof res.body?.id !== 'string') {
        failures.push(`${label} ${seq}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        return;
      }
      if (res.body.deliveries !== ENDPOINTS) failures.push(`${label} ${seq}: ${res.body.deliveries} deliveries, expected ${ENDPOINTS}`);
      eventIds.push(res.body.id as string);
    } catch (err) {
      failures.push(`${label} ${seq}: ${(err as Error).message}`);
    }
  });
  return { eventIds, publishLatencies, failures, started };
}

// ---------------------------------------------------------------------------------------------
// Stack

/** A fresh database on the server of `baseUrl` (dropped at cleanup). */
async function freshDatabase(baseUrl: string): Promise<string> {
  const name = `hookline_bench_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  onCleanup(`drop database ${name}`, async () => {
    const c = new pg.Client({ connectionString: baseUrl });
    await c.connect();
    try {
      await c.query(`drop database if exists "${name}" with (force)`);
    } finally {
      await c.end();
    }
  });
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function main(): Promise<number> {
  const dbLabel = externalDatabase ? 'PostgreSQL' : 'embedded PGlite';
  console.log(
    `Hookline bench: ${EVENTS} events × ${ENDPOINTS} endpoints = ${DELIVERIES} deliveries ` +
      `(${dbLabel}, concurrency ${CONCURRENCY}, warm-up ${WARMUP} events)`,
  );
  if (!externalDatabase && !eventsSet) console.log('  (DATABASE_URL unset: embedded database, BENCH_EVENTS defaults to 100)');

  // --- Stack start-up
  const setupStarted = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'hookline-bench-'));
  onCleanup('temp dir', async () => rmSync(dir, { recursive: true, force: true }));

  // The dev server (via the SDK's test environment) instantiates the Temporal Runtime singleton, after
  // which startWorker's Runtime.install throws; install it first, with the engine's logger.
  const logger = benchLogger(LOG_LEVEL);
  installTemporalRuntime(logger);
  const devServerPromise = startDevServer({ ui: false });
  const [devServer, bundle] = await Promise.all([
    devServerPromise,
    bundleWorkflows().catch(async (err: unknown) => {
      // Do not leak the dev server if bundling fails.
      await devServerPromise.then((s) => s.stop()).catch(() => undefined);
      throw err;
    }),
  ]);
  onCleanup('Temporal dev server', () => devServer.stop());
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  process.env.HOOKLINE_WORKFLOW_BUNDLE = bundlePath;

  let databaseUrl: string;
  if (externalDatabase) {
    databaseUrl = await freshDatabase(externalDatabase);
  } else {
    const embedded = await startEmbeddedPostgres({});
    onCleanup('embedded PostgreSQL', () => embedded.stop());
    databaseUrl = embedded.url;
  }

  const taskQueue = `hookline-bench-${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    TEMPORAL_NAMESPACE: devServer.namespace,
    HOOKLINE_TASK_QUEUE: taskQueue,
    HOOKLINE_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    HOOKLINE_ALLOW_PRIVATE_TARGETS: 'true',
    HOOKLINE_RETRY_SCHEDULE: '1,1,1',
    LOG_LEVEL,
  });
  const secretBox = secretBoxFor(config, false);
  const poolMax = externalDatabase ? 10 : 4; // as `npm start`
  const orm: Orm = await openDatabase(databaseUrl, { max: poolMax });
  onCleanup('ORM', () => orm.close());
  const temporal = temporalSettings(config, devServer.address);
  const worker = await startWorker(config, { orm, secretBox, temporal, logger });
  onCleanup('worker', () => worker.stop());
  let workerEnded = false;
  worker.done.then(
    () => (workerEnded = true),
    (err: unknown) => {
      workerEnded = true;
      console.error(`worker stopped with an error: ${(err as Error).message}`);
    },
  );
  const api = await startApi(config, { orm, secretBox, temporal, logger });
  onCleanup('API', () => api.close());

  const tenantId = `t_bench_${randomBytes(4).toString('hex')}`;
  const em = orm.em.fork();
  await ensureTenant(em, tenantId);
  const { key } = await createApiKey(em, { tenantId, environment: 'test', scopes: ['manage_webhooks', 'publish_events'] });
  const client = apiClient(api.url, key);
  onCleanup('API client', () => client.close());

  const receiver = await startBenchReceiver();
  onCleanup('receiver', () => receiver.close());
  const sender = new HttpSender({ allowPrivate: true });
  onCleanup('baseline sender', () => sender.close());

  for (let k = 0; k < ENDPOINTS; k++) {
    const path = `/hook/${k}`;
    const res = await client.call('POST', '/endpoints', { url: `${receiver.base}${path}`, event_types: [EVENT_TYPE] });
    if (res.status !== 201 || typeof res.body?.signing_secret !== 'string') {
      throw new Error(`creating endpoint ${k}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    }
    receiver.secrets.set(path, res.body.signing_secret as string);
  }
  const hookPaths = Array.from({ length: ENDPOINTS }, (_, k) => `/hook/${k}`);
  console.log(
    `stack ready in ${((Date.now() - setupStarted) / 1000).toFixed(1)} s ` +
      `(Temporal ${devServer.address}, API ${api.url}, receiver ${receiver.base}, DB pool ${poolMax})`,
  );

  // --- Baseline (with its own warm-up)
  if (WARMUP > 0) await runBaseline(receiver, sender, WARMUP * ENDPOINTS, 'base-warm');
  const baseline = await runBaseline(receiver, sender, DELIVERIES, 'base');
  const baseP50 = percentile(baseline.latencies, 50);
  const baseP99 = percentile(baseline.latencies, 99);

  // --- Hookline
  const receivedAll = (eventIds: readonly string[]) => () =>
    eventIds.every((id) => hookPaths.every((path) => receiver.receipts.has(`${id} ${path}`)));

  let warmIds: string[] = [];
  if (WARMUP > 0) {
    const warm = await publishEvents(client, WARMUP, 'warm-up');
    warmIds = warm.eventIds;
    if (warm.failures.length > 0) throw new Error(`warm-up publish failed: ${warm.failures.slice(0, 3).join('; ')}`);
    if (!(await waitUntil(receivedAll(warmIds), 60_000))) throw new Error('warm-up deliveries did not all arrive within 60 s');
  }

  const run = await publishEvents(client, EVENTS, 'bench');
  const publishedAt = performance.now();
  const allArrived = await waitUntil(receivedAll(run.eventIds), remainingMs() - MARGIN_MS);
  const receiptsOf = (ids: readonly string[]) =>
    ids.flatMap((id) => hookPaths.map((path) => receiver.receipts.get(`${id} ${path}`)).filter((r): r is Receipt => r !== undefined));
  const measured = receiptsOf(run.eventIds);
  const lastReceipt = measured.reduce((m, r) => Math.max(m, r.at), run.started);
  const hookSeconds = (lastReceipt - run.started) / 1000;
  const hookPerSecond = measured.length / hookSeconds;
  const latencies = measured.map((r) => r.latencyMs);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  const pubP50 = percentile(run.publishLatencies, 50);
  const pubP99 = percentile(run.publishLatencies, 99);

  // --- Verification in the database: every delivery row of the tenant is `delivered`.
  const expectedRows = (warmIds.length + run.eventIds.length) * ENDPOINTS;
  const conn = orm.em.fork().getConnection();
  type StatusRow = { status: string; n: number };
  let statuses: StatusRow[] = [];
  const dbSettled = await waitUntil(
    async () => {
      statuses = await conn.execute<StatusRow[]>(
        `select status, count(*)::int as n from deliveries where tenant_id = ? group by status order by status`,
        [tenantId],
      );
      const delivered = statuses.find((s) => s.status === 'delivered')?.n ?? 0;
      return delivered >= expectedRows || workerEnded;
    },
    Math.max(1000, Math.min(30_000, remainingMs() - MARGIN_MS / 2)),
    200,
  );
  const [attemptRow] = await conn.execute<{ attempts: number; retried: number; non2xx: number }[]>(
    `select count(*)::int as attempts,
            count(distinct d.id) filter (where a.attempt > 1)::int as retried,
            count(*) filter (where a.response_status is null or a.response_status >= 300)::int as non2xx
       from attempts a join deliveries d on d.id = a.delivery_id
      where d.tenant_id = ?`,
    [tenantId],
  );
  // Where the time goes, from the engine's own timestamps (first attempts of measured events).
  const measuredIds = new Set(run.eventIds);
  const stageRows = await conn.execute<{ event_id: string; created_ms: number; started_ms: number; duration_ms: number; delivered_ms: number | null }[]>(
    `select d.event_id,
            extract(epoch from d.created_at) * 1000 as created_ms,
            extract(epoch from a.started_at) * 1000 as started_ms,
            a.duration_ms,
            extract(epoch from d.delivered_at) * 1000 as delivered_ms
       from deliveries d join attempts a on a.delivery_id = d.id and a.attempt = 1
      where d.tenant_id = ?`,
    [tenantId],
  );
  const stages = stageRows.filter((r) => measuredIds.has(r.event_id));
  const queued = stages.map((r) => Number(r.started_ms) - Number(r.created_ms));
  const sending = stages.map((r) => Number(r.duration_ms));
  const recording = stages
    .filter((r) => r.delivered_ms !== null)
    .map((r) => Number(r.delivered_ms) - Number(r.started_ms) - Number(r.duration_ms));

  // Let any late duplicate land before counting.
  await sleep(300);

  // --- Receiver-side accounting for the measured events
  let missing = 0;
  let duplicates = 0;
  for (const id of run.eventIds) {
    for (const path of hookPaths) {
      const r = receiver.receipts.get(`${id} ${path}`);
      if (!r) missing++;
      else duplicates += r.count - 1;
    }
  }
  missing += (EVENTS - run.eventIds.length) * ENDPOINTS; // events that were never accepted
  const totalRows = statuses.reduce((n, s) => n + s.n, 0);
  const deliveredRows = statuses.find((s) => s.status === 'delivered')?.n ?? 0;

  // The overall timeout fired and is shutting the stack down: its message is the report.
  if (aborted) return 1;

  // --- Report
  console.log('');
  console.log(
    `baseline (direct signed POSTs to the receiver, HttpSender): ${rate(baseline.perSecond)} req/s, ` +
      `send→receipt p50 ${ms(baseP50)}, p99 ${ms(baseP99)}` +
      (baseline.failures ? ` — ${baseline.failures} non-200` : ''),
  );
  console.log(
    `hookline: ${rate(hookPerSecond)} deliveries/s (${ratio(hookPerSecond / baseline.perSecond)} baseline), ` +
      `event→receipt p50 ${ms(p50)} (${ratio(p50 / baseP50)}), p99 ${ms(p99)} (${ratio(p99 / baseP99)})`,
  );
  console.log(
    `publish API: p50 ${ms(pubP50)}, p99 ${ms(pubP99)}; ${rate(run.eventIds.length / ((publishedAt - run.started) / 1000))} events/s accepted; ` +
      `last receipt ${((lastReceipt - publishedAt) / 1000).toFixed(2)} s after the last publish returned`,
  );
  console.log(
    `database: ${deliveredRows}/${expectedRows} delivered (${statuses.map((s) => `${s.status} ${s.n}`).join(', ') || 'no rows'}${
      totalRows !== expectedRows ? `; ${totalRows} rows in all` : ''
    }); ${attemptRow?.attempts ?? 0} attempts, ${attemptRow?.retried ?? 0} deliveries retried, ${attemptRow?.non2xx ?? 0} failed attempts`,
  );
  console.log(
    `stages (engine timestamps): row created → attempt started p50 ${ms(percentile(queued, 50))}, p99 ${ms(percentile(queued, 99))}; ` +
      `HTTP attempt p50 ${ms(percentile(sending, 50))}, p99 ${ms(percentile(sending, 99))}; ` +
      `response → row delivered p50 ${ms(percentile(recording, 50))}, p99 ${ms(percentile(recording, 99))}`,
  );
  if (logCounts.warn || logCounts.error) console.log(`engine logs: ${logCounts.error} errors, ${logCounts.warn} warnings (on stderr)`);

  const problems: string[] = [];
  if (run.failures.length) problems.push(`${run.failures.length} publishes failed (${run.failures.slice(0, 3).join('; ')})`);
  if (!allArrived) problems.push('not every delivery reached the receiver before the deadline');
  if (!dbSettled || deliveredRows !== expectedRows || totalRows !== expectedRows) {
    problems.push(`database shows ${deliveredRows} of ${expectedRows} deliveries delivered`);
  }
  if (receiver.badSignatures) problems.push(`${receiver.badSignatures} requests with a bad signature`);
  if (receiver.unparsable) problems.push(`${receiver.unparsable} unparsable bodies`);
  if (baseline.failures) problems.push(`${baseline.failures} baseline requests failed`);
  if (workerEnded) problems.push('the worker stopped during the run');

  if (missing === 0 && problems.length === 0) {
    console.log(`all ${DELIVERIES} deliveries delivered; 0 missing, ${duplicates} duplicates`);
  } else {
    console.log(`FAILED: ${DELIVERIES - missing} of ${DELIVERIES} deliveries received; ${missing} missing, ${duplicates} duplicates`);
    for (const p of problems) console.log(`  - ${p}`);
  }
  if (logSamples.length) {
    console.log('first engine warnings/errors:');
    for (const s of logSamples) console.log(`  ${s}`);
  }
  return missing === 0 && problems.length === 0 ? 0 : 1;
}

main()
  .then(async (code) => {
    clearTimeout(overallTimer);
    const started = Date.now();
    await cleanup();
    console.log(`shut down in ${((Date.now() - started) / 1000).toFixed(1)} s; total ${((Date.now() - runStarted) / 1000).toFixed(1)} s`);
    process.exit(code);
  })
  .catch(async (err: unknown) => {
    clearTimeout(overallTimer);
    console.error(`bench: FAILED — ${(err as Error).stack ?? String(err)}`);
    await finish(1);
  });
