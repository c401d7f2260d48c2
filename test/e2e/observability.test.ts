import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createOrm } from '../../src/db/orm.js';
import { createLogger } from '../../src/logger.js';
import { secretBoxFor, startApi, temporalSettings } from '../../src/main/runtime.js';
import { startStack, type Stack, type Tenant } from '../helpers/stack.js';
import { receiverPool, waitFor } from '../helpers/receiver.js';
import { createEndpoint, listDeliveries, publish, waitForDeliveryStatus } from '../helpers/api.js';
import { startWorkerProcess } from '../helpers/entry-point.js';

let stack: Stack;
let worker: ChildProcess | undefined;
let workerMetricsUrl: string;
let temporalMetricsPort: number;
const receivers = receiverPool();
const receiver = receivers.start;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((res) => server.close(() => res()));
  return port;
}

/** One parsed sample of the Prometheus text format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The value of the one series `name` whose labels include `labels` (0 when there is none). */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  expect(found.length, `${name}${JSON.stringify(labels)} matches ${found.length} series`).toBeLessThanOrEqual(1);
  return found[0]?.value ?? 0;
}

async function scrape(url: string): Promise<{ text: string; samples: Sample[]; contentType: string | null }> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, samples: parseMetrics(text), contentType: res.headers.get('content-type') };
}

/** Starts the worker entry point as its own process, with its metrics and the Temporal SDK's on ports. */
async function spawnWorker(): Promise<{ child: ChildProcess; metricsUrl: string }> {
  const worker = await startWorkerProcess({
    ...stack.workerEnv,
    HOOKLINE_WORKER_METRICS_PORT: '0',
    HOOKLINE_TEMPORAL_METRICS_PORT: String(temporalMetricsPort),
  });
  const line = worker.output().split('\n').find((l) => l.includes('worker metrics listening'));
  return { child: worker.process, metricsUrl: (JSON.parse(line!) as { url: string }).url };
}

beforeAll(async () => {
  stack = await startStack({ worker: false, retrySchedule: [1, 1, 1] });
  temporalMetricsPort = await freePort();
  const started = await spawnWorker();
  worker = started.child;
  workerMetricsUrl = started.metricsUrl;
});
afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGTERM');
    await new Promise((res) => worker!.once('exit', res));
  }
  await receivers.closeAll();
  await stack?.stop();
});

describe('GET /metrics', () => {
  it('reports API latency by method, matched route pattern and status, without authentication', async () => {
    const tenant = await stack.newTenant();
    const recv = await receiver();
    const before = await scrape(`${stack.apiUrl}/metrics`);
    const a = await createEndpoint(tenant, { url: recv.url });
    const b = await createEndpoint(tenant, { url: recv.url });
    expect((await tenant.api('GET', `/endpoints/${a.id}`)).status).toBe(200);
    expect((await tenant.api('GET', `/endpoints/${b.id}`)).status).toBe(200);
    expect((await tenant.api('GET', '/endpoints/ep_01JZZZZZZZZZZZZZZZZZZZZZZZ')).status).toBe(404);
    expect((await fetch(`${stack.apiUrl}/no/such/${a.id}`)).status).toBe(404);

    const after = await scrape(`${stack.apiUrl}/metrics`);
    expect(after.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const delta = (labels: Record<string, string>) =>
      value(after.samples, 'hookline_http_request_duration_seconds_count', labels) -
      value(before.samples, 'hookline_http_request_duration_seconds_count', labels);
    const byId = '/manage/v1/webhooks/endpoints/:id';
    expect(delta({ method: 'POST', route: '/manage/v1/webhooks/endpoints', status: '201' })).toBe(2);
    expect(delta({ method: 'GET', route: byId, status: '200' })).toBe(2);
    expect(delta({ method: 'GET', route: byId, status: '404' })).toBe(1);
    expect(delta({ method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    // A histogram: the +Inf bucket holds every observation, the sum their seconds.
    const series = { method: 'GET', route: byId, status: '200' };
    expect(value(after.samples, 'hookline_http_request_duration_seconds_bucket', { ...series, le: '+Inf' })).toBe(
      value(after.samples, 'hookline_http_request_duration_seconds_count', series),
    );
    expect(value(after.samples, 'hookline_http_request_duration_seconds_sum', series)).toBeGreaterThan(0);
    // Route patterns only: no id or raw path becomes a label value.
    expect(after.text).not.toContain(a.id);
    expect(after.text).not.toContain('/no/such');
    expect(after.text).toContain('process_cpu_user_seconds_total');
  });

  it('reports deliveries by status, pending deliveries and the lag of an overdue delivery from PostgreSQL', async () => {
    const tenant = await stack.newTenant();
    const ok = await receiver();
    const hang = await receiver(() => ({ hang: true }));
    const before = await scrape(`${stack.apiUrl}/metrics`);

    await createEndpoint(tenant, { url: ok.url, event_types: ['order.created'] });
    await publish(tenant, 'order.created', { n: 1 });
    await publish(tenant, 'order.created', { n: 2 });
    const stuck = await createEndpoint(tenant, { url: hang.url, event_types: ['order.shipped'], timeout_seconds: 30 });
    await publish(tenant, 'order.shipped', { n: 3 });
    const delivered = await listDeliveries(tenant, '?event_type=order.created');
    for (const d of delivered) await waitForDeliveryStatus(tenant, d.id, 'delivered');
    await waitFor(() => hang.requests.length === 1, 30_000, 'the attempt to the hanging receiver');
    const [pending] = await listDeliveries(tenant, `?endpoint_id=${stuck.id}`);
    // The delivery was due when it was created and has not been delivered since.
    await new Promise((r) => setTimeout(r, 2500));

    const after = await scrape(`${stack.apiUrl}/metrics`);
    expect(value(after.samples, 'hookline_deliveries', { status: 'delivered' }) - value(before.samples, 'hookline_deliveries', { status: 'delivered' })).toBeGreaterThanOrEqual(2);
    for (const status of ['pending', 'delivered', 'failed', 'dead_letter']) {
      expect(after.samples.some((s) => s.name === 'hookline_deliveries' && s.labels.status === status)).toBe(true);
    }
    expect(value(after.samples, 'hookline_pending_deliveries')).toBeGreaterThanOrEqual(1);
    expect(value(after.samples, 'hookline_pending_deliveries')).toBe(value(after.samples, 'hookline_deliveries', { status: 'pending' }));
    const age = (Date.now() - Date.parse(pending.created_at)) / 1000;
    const lag = value(after.samples, 'hookline_delivery_queue_lag_seconds');
    expect(lag).toBeGreaterThanOrEqual(2.5);
    expect(lag).toBeGreaterThanOrEqual(age - 2);

    // Once the receiver goes away the delivery ends (connection errors, then the dead letter).
    await hang.close();
    await waitForDeliveryStatus(tenant, pending.id, 'dead_letter', 30_000);
  });

  it('reports attempt latency by outcome: per worker as it happens, and across workers from the attempts table', async () => {
    const tenant = await stack.newTenant();
    const slow = await receiver(() => ({ status: 200, delayMs: 300 }));
    const failing = await receiver(() => ({ status: 500 }));
    const silent = await receiver(() => ({ hang: true }));
    const workerBefore = await scrape(workerMetricsUrl);

    await createEndpoint(tenant, { url: slow.url, event_types: ['order.created'] });
    await createEndpoint(tenant, { url: failing.url, event_types: ['order.shipped'] });
    const timingOut = await createEndpoint(tenant, { url: silent.url, event_types: ['comment.created'], timeout_seconds: 1 });
    await publish(tenant, 'order.created', { n: 1 });
    await publish(tenant, 'order.created', { n: 2 });
    await publish(tenant, 'order.shipped', { n: 3 });
    await publish(tenant, 'comment.created', { n: 4 });

    for (const d of await listDeliveries(tenant, '?event_type=order.created')) await waitForDeliveryStatus(tenant, d.id, 'delivered');
    const [deadLetter] = await listDeliveries(tenant, '?event_type=order.shipped');
    const failed = await waitForDeliveryStatus(tenant, deadLetter.id, 'dead_letter', 30_000);
    const [timedOut] = await listDeliveries(tenant, `?endpoint_id=${timingOut.id}`);
    const timeout = await waitForDeliveryStatus(tenant, timedOut.id, 'dead_letter', 30_000);
    expect(timeout.attempts.map((a: { error: string }) => a.error)).toEqual(timeout.attempts.map(() => 'timed out after 1000 ms'));
    // Verification handshakes went through the same sender and worker, but are not delivery attempts.
    expect(slow.challenges.length + failing.challenges.length + silent.challenges.length).toBe(3);

    const workerAfter = await scrape(workerMetricsUrl);
    const attempts = (name: string, labels: Record<string, string>) =>
      value(workerAfter.samples, `hookline_delivery_attempt_duration_seconds_${name}`, labels) -
      value(workerBefore.samples, `hookline_delivery_attempt_duration_seconds_${name}`, labels);
    expect(attempts('count', { outcome: '2xx' })).toBe(2);
    expect(attempts('bucket', { outcome: '2xx', le: '0.25' })).toBe(0);
    expect(attempts('bucket', { outcome: '2xx', le: '2.5' })).toBe(2);
    expect(attempts('sum', { outcome: '2xx' })).toBeGreaterThanOrEqual(0.6);
    expect(attempts('count', { outcome: '5xx' })).toBe(failed.attempts.length);
    expect(failed.attempts.length).toBe(4);
    expect(attempts('count', { outcome: 'timeout' })).toBe(timeout.attempts.length);
    expect(attempts('bucket', { outcome: 'timeout', le: '0.5' })).toBe(0);
    expect(attempts('bucket', { outcome: 'timeout', le: '2.5' })).toBe(timeout.attempts.length);
    expect(attempts('count', { outcome: '4xx' })).toBe(0);

    // The API reads every worker's attempts from PostgreSQL: at least ours are in its window.
    const api = (await scrape(`${stack.apiUrl}/metrics`)).samples;
    const recent = 'hookline_recent_delivery_attempt_duration_seconds';
    const slowOk = value(api, `${recent}_bucket`, { outcome: '2xx', le: '+Inf' }) - value(api, `${recent}_bucket`, { outcome: '2xx', le: '0.25' });
    expect(slowOk).toBeGreaterThanOrEqual(2);
    expect(value(api, `${recent}_count`, { outcome: '2xx' })).toBe(value(api, `${recent}_bucket`, { outcome: '2xx', le: '+Inf' }));
    expect(value(api, `${recent}_sum`, { outcome: '2xx' })).toBeGreaterThanOrEqual(0.6);
    expect(value(api, `${recent}_count`, { outcome: '5xx' })).toBeGreaterThanOrEqual(4);
    const timeouts = value(api, `${recent}_count`, { outcome: 'timeout' });
    expect(timeouts).toBeGreaterThanOrEqual(timeout.attempts.length);
    expect(value(api, `${recent}_bucket`, { outcome: 'timeout', le: '0.5' })).toBeLessThanOrEqual(timeouts - timeout.attempts.length);
  });

  it("exports the Temporal SDK's own worker metrics on HOOKLINE_TEMPORAL_METRICS_PORT", async () => {
    const { text } = await scrape(`http://127.0.0.1:${temporalMetricsPort}/metrics`);
    expect(text).toMatch(/^temporal_\w+/m);
    expect(text).toContain(`task_queue="${stack.taskQueue}"`);
    expect(text).toMatch(/temporal_activity_execution_latency\w*\{[^}]*activity_type="attemptDelivery"/);
  });
});

/** A logger whose JSON lines are kept for the test to read. */
function capturedLogger() {
  const lines: string[] = [];
  let partial = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop()!;
      lines.push(...parts.filter(Boolean));
      done();
    },
  });
  return { logger: createLogger('trace', 'hookline-api', stream), lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

async function call(baseUrl: string, tenant: Tenant, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${baseUrl}/manage/v1/webhooks${path}`, {
    method,
    headers: { authorization: `Bearer ${tenant.apiKey}`, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any, requestId: res.headers.get('x-request-id') };
}

describe('logs', () => {
  it('carry the request id on every request line and never a secret or an Authorization header', async () => {
    const config = loadConfig(stack.workerEnv);
    const { logger, lines, parsed } = capturedLogger();
    const api = await startApi(config, {
      orm: stack.orm,
      secretBox: secretBoxFor(config, false),
      temporal: temporalSettings(config, stack.env.temporalAddress),
      logger,
    });
    try {
      const tenant = await stack.newTenant();
      const recv = await receiver();
      const secretBytes = randomBytes(32).toString('base64');
      const secret = `whsec_${secretBytes}`;

      const created = await call(api.url, tenant, 'POST', '/endpoints', { url: recv.url, secret }, { 'x-request-id': 'req-log-create' });
      expect(created.status).toBe(201);
      expect(created.body.signing_secret).toBe(secret);
      const rotated = await call(api.url, tenant, 'POST', `/endpoints/${created.body.id}/rotate-secret`, {});
      expect(rotated.status).toBe(200);
      const rotatedSecret: string = rotated.body.signing_secret;
      const invalid = await call(api.url, tenant, 'POST', '/endpoints', { url: recv.url, secret: `whsec_${secretBytes.slice(0, 8)}` });
      expect(invalid.status).toBe(422);
      const wrongKey = `hk_test_${randomBytes(16).toString('hex')}`;
      const refused = await fetch(`${api.url}/manage/v1/webhooks/endpoints`, { headers: { authorization: `Bearer ${wrongKey}` } });
      expect(refused.status).toBe(401);

      const requests = parsed().filter((l) => l.msg === 'request');
      expect(requests.length).toBeGreaterThanOrEqual(4);
      for (const line of requests) expect(line.requestId, JSON.stringify(line)).toMatch(/^req[-_]/);
      expect(requests.find((l) => l.requestId === 'req-log-create')).toMatchObject({
        method: 'POST',
        route: '/manage/v1/webhooks/endpoints',
        status: 201,
      });
      expect(requests.map((l) => l.requestId)).toEqual(expect.arrayContaining([rotated.requestId, invalid.requestId]));
      expect(requests.some((l) => l.status === 401)).toBe(true);

      const all = lines.join('\n');
      for (const leaked of [secret, secretBytes, secretBytes.slice(0, 8), rotatedSecret, rotatedSecret.slice('whsec_'.length), tenant.apiKey, wrongKey]) {
        expect(all).not.toContain(leaked);
      }
      expect(all.toLowerCase()).not.toContain('bearer');
      expect(all.toLowerCase()).not.toContain('"authorization"');
    } finally {
      await api.close();
    }
  });
});

/** A TCP forwarder that can be cut, to take a dependency away from a running API. */
async function startProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  return {
    port: (server.address() as AddressInfo).port,
    async cut() {
      await new Promise<void>((res) => {
        server.close(() => res());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

describe('GET /readyz', () => {
  it('is 200 while PostgreSQL and Temporal answer, and 503 naming each one that stops answering', async () => {
    const config = loadConfig(stack.workerEnv);
    const database = new URL(stack.env.databaseUrl);
    const [temporalHost, temporalPort] = stack.env.temporalAddress.split(':');
    const dbProxy = await startProxy({ host: database.hostname, port: Number(database.port || 5432) });
    const temporalProxy = await startProxy({ host: temporalHost!, port: Number(temporalPort) });
    const proxiedDatabase = new URL(database);
    proxiedDatabase.hostname = '127.0.0.1';
    proxiedDatabase.port = String(dbProxy.port);
    const orm = await createOrm(proxiedDatabase.toString(), { max: 2 });
    const { logger, parsed } = capturedLogger();
    const api = await startApi(config, {
      orm,
      secretBox: secretBoxFor(config, false),
      temporal: temporalSettings(config, `127.0.0.1:${temporalProxy.port}`),
      logger,
    });
    const readyz = async () => {
      const res = await fetch(`${api.url}/readyz`, { headers: { 'x-request-id': 'req-readyz' } });
      return { status: res.status, body: (await res.json()) as { status: string; reason?: string } };
    };
    try {
      expect(await readyz()).toEqual({ status: 200, body: { status: 'ready' } });

      await temporalProxy.cut();
      const started = Date.now();
      expect(await readyz()).toEqual({ status: 503, body: { status: 'unavailable', reason: 'temporal unreachable' } });
      expect(Date.now() - started).toBeLessThan(10_000);

      await dbProxy.cut();
      expect(await readyz()).toEqual({ status: 503, body: { status: 'unavailable', reason: 'database unreachable, temporal unreachable' } });

      // The cause goes to the log (with the request's id), not to the unauthenticated probe.
      const failures = parsed().filter((l) => l.msg === 'readiness check failed');
      expect(failures.map((l) => l.dependency)).toEqual(expect.arrayContaining(['temporal', 'database']));
      for (const line of failures) expect(line.requestId).toBe('req-readyz');
      expect(parsed().filter((l) => l.msg === 'request' && l.route === '/readyz').map((l) => l.status)).toEqual([200, 503, 503]);
    } finally {
      await api.close();
      await orm.close();
    }
  });
});
