/**
 * Prometheus metrics. One registry per `createMetrics()` call (an API app, a worker, or both in
 * one process under `npm start`); nothing is registered on prom-client's global registry.
 *
 * Two kinds of numbers, each taken where it is correct across every process:
 * - Events counted where they happen, as cumulative histograms of this process: API latency (the
 *   API process) and delivery attempt latency (the worker process that made the attempt). Every
 *   worker exposes its own (HOOKLINE_WORKER_METRICS_PORT); Prometheus adds them up across workers
 *   (`sum by (le) (rate(hookline_delivery_attempt_duration_seconds_bucket[5m]))`).
 * - State read from PostgreSQL at scrape time, in the API's /metrics: deliveries by status, pending
 *   deliveries, queue lag, and the attempts of the last few minutes by latency. The rows are written
 *   by every worker, so these are the whole engine's numbers whichever API replica is scraped (take
 *   `max`, not `sum`, across replicas). The recent-attempts histogram is a gauge (a window, not a
 *   counter): read it with `histogram_quantile` directly, without `rate()`.
 */
import { createServer } from 'node:http';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { encodeTime } from 'ulid';
import { DELIVERY_STATUSES } from './db/entities/index.js';
import type { Orm } from './db/orm.js';
import type { SendObserver } from './delivery/http-sender.js';
import { ID_PREFIXES } from './ids.js';
import type { Logger } from './logger.js';

/** Attempt latency buckets, in seconds: an attempt's limit is 1–30 s. */
export const ATTEMPT_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** API latency buckets, in seconds: a verification request can wait up to a minute. */
export const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export const ATTEMPT_OUTCOMES = ['2xx', '3xx', '4xx', '5xx', 'error', 'timeout'] as const;
export type AttemptOutcomeLabel = (typeof ATTEMPT_OUTCOMES)[number];

/** How long the recent-attempts histogram looks back, by default. */
const DEFAULT_ATTEMPT_WINDOW_SECONDS = 300;

export interface Metrics {
  registry: Registry;
  /** API latency by method, matched route pattern and status. */
  httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  /** Delivery attempts made by this process's worker, by outcome. */
  attemptDuration: Histogram<'outcome'>;
}

export interface MetricsOptions {
  /** Adds the gauges read from PostgreSQL at scrape time (the API's /metrics). */
  database?: { orm: Orm; logger: Logger; attemptWindowSeconds?: number };
}

/** A registry with process metrics, the latency histograms and, given a database, the delivery gauges. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpRequestDuration = new Histogram({
    name: 'hookline_http_request_duration_seconds',
    help: 'API request latency by method, matched route pattern ("unmatched" when no route matched) and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  const attemptDuration = new Histogram({
    name: 'hookline_delivery_attempt_duration_seconds',
    help: 'Delivery attempts made by this worker process, by outcome (2xx, 3xx, 4xx, 5xx, error, timeout).',
    labelNames: ['outcome'] as const,
    buckets: ATTEMPT_BUCKETS,
    registers: [registry],
  });
  if (options.database) registerDeliveryGauges(registry, options.database);
  return { registry, httpRequestDuration, attemptDuration };
}

/** What an attempt came to, as a metric label. */
export function attemptOutcome(status: number | null, timedOut: boolean): AttemptOutcomeLabel {
  if (status === null) return timedOut ? 'timeout' : 'error';
  if (status >= 200 && status < 300) return '2xx';
  if (status >= 300 && status < 400) return '3xx';
  if (status >= 400 && status < 500) return '4xx';
  return status >= 500 ? '5xx' : 'error';
}

/**
 * An HttpSender observer that records delivery attempts in `metrics.attemptDuration`. The sender's
 * caller says what it sends (`kind`), so handshakes and other calls are left out without the
 * observer looking at where it runs.
 */
export function attemptObserver(metrics: Metrics): SendObserver {
  return (result, request) => {
    if (request.kind !== 'attempt') return;
    metrics.attemptDuration.observe({ outcome: attemptOutcome(result.status, result.errorCode === 'timeout') }, result.durationMs / 1000);
  };
}

/** Serves `GET /metrics` of a registry on its own port (a worker has no other HTTP server). */
export async function serveMetrics(registry: Registry, host: string, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface DeliverySnapshot {
  byStatus: Map<string, number>;
  queueLagSeconds: number;
  attempts: Map<string, { buckets: number[]; count: number; sumSeconds: number }>;
}

/**
 * The gauges read from PostgreSQL. Every gauge of one scrape shares one read: prom-client calls
 * their `collect()` together, and they await the same promise.
 */
function registerDeliveryGauges(registry: Registry, database: NonNullable<MetricsOptions['database']>): void {
  const windowSeconds = database.attemptWindowSeconds ?? DEFAULT_ATTEMPT_WINDOW_SECONDS;
  let reading: Promise<DeliverySnapshot | undefined> | undefined;
  const snapshot = () => {
    reading ??= readDeliverySnapshot(database.orm, windowSeconds)
      .catch((err: unknown) => {
        database.logger.warn({ err }, 'metrics: could not read delivery state from the database');
        return undefined;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };

  /** A gauge filled at scrape time from one shared database snapshot (nothing when it cannot be read). */
  const snapshotGauge = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    fill: (gauge: Gauge<L>, s: DeliverySnapshot) => void,
  ) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        const s = await snapshot();
        if (s) fill(this, s);
      },
    });

  snapshotGauge('hookline_deliveries', 'Deliveries by status, across every worker (from the database).', ['status'], (g, s) => {
    for (const status of DELIVERY_STATUSES) g.set({ status }, s.byStatus.get(status) ?? 0);
  });
  snapshotGauge(
    'hookline_pending_deliveries',
    'Deliveries waiting for their first attempt or a retry, or held by a paused endpoint (from the database).',
    [],
    (g, s) => g.set(s.byStatus.get('pending') ?? 0),
  );
  snapshotGauge(
    'hookline_delivery_queue_lag_seconds',
    'How long the oldest due delivery has waited past its due time (next attempt, or creation for a first ' +
      'attempt); 0 when nothing is overdue. Deliveries held by a paused endpoint are not counted.',
    [],
    (g, s) => g.set(s.queueLagSeconds),
  );

  const recent = `hookline_recent_delivery_attempt_duration_seconds`;
  const recentHelp = `Delivery attempts of the last ${windowSeconds} s by outcome, across every worker (from the database); a gauge histogram`;
  snapshotGauge(`${recent}_bucket`, `${recentHelp}: attempts that took at most "le" seconds.`, ['outcome', 'le'], (g, s) => {
    for (const outcome of ATTEMPT_OUTCOMES) {
      const row = s.attempts.get(outcome);
      ATTEMPT_BUCKETS.forEach((le, i) => g.set({ outcome, le: String(le) }, row?.buckets[i] ?? 0));
      g.set({ outcome, le: '+Inf' }, row?.count ?? 0);
    }
  });
  snapshotGauge(`${recent}_count`, `${recentHelp}: number of attempts.`, ['outcome'], (g, s) => {
    for (const outcome of ATTEMPT_OUTCOMES) g.set({ outcome }, s.attempts.get(outcome)?.count ?? 0);
  });
  snapshotGauge(`${recent}_sum`, `${recentHelp}: total seconds.`, ['outcome'], (g, s) => {
    for (const outcome of ATTEMPT_OUTCOMES) g.set({ outcome }, s.attempts.get(outcome)?.sumSeconds ?? 0);
  });
}

/** The SQL twin of attemptOutcome: the sender's timeouts are recorded as "timed out after … ms". */
const OUTCOME_SQL = `case
  when response_status between 200 and 299 then '2xx'
  when response_status between 300 and 399 then '3xx'
  when response_status between 400 and 499 then '4xx'
  when response_status >= 500 then '5xx'
  when response_status is null and error like 'timed out after %' then 'timeout'
  else 'error' end`;

const ATTEMPTS_SQL = `select ${OUTCOME_SQL} as outcome,
  ${ATTEMPT_BUCKETS.map((le, i) => `count(*) filter (where duration_ms <= ${Math.round(le * 1000)}) as b${i}`).join(',\n  ')},
  count(*) as n, coalesce(sum(duration_ms), 0) as sum_ms
  from attempts where id >= ? group by 1`;

const QUEUE_LAG_SQL = `select coalesce(extract(epoch from now() - min(coalesce(d.next_attempt_at, d.created_at))), 0) as lag
  from deliveries d join endpoints e on e.id = d.endpoint_id
  where d.status = 'pending' and e.status <> 'paused' and coalesce(d.next_attempt_at, d.created_at) <= now()`;

async function readDeliverySnapshot(orm: Orm, windowSeconds: number): Promise<DeliverySnapshot> {
  const connection = orm.em.fork().getConnection();
  // Attempt ids are ULIDs, whose first ten characters are their creation time: the primary key
  // index finds the window without scanning the whole table.
  const since = `${ID_PREFIXES.attempt}_${encodeTime(Math.max(0, Date.now() - windowSeconds * 1000), 10)}`;
  // One after another: a scrape holds at most one pooled connection.
  const statusRows = await connection.execute<{ status: string; n: string }[]>('select status, count(*) as n from deliveries group by status');
  const lagRows = await connection.execute<{ lag: string | number }[]>(QUEUE_LAG_SQL);
  const attemptRows = await connection.execute<Record<string, string>[]>(ATTEMPTS_SQL, [since]);
  return {
    byStatus: new Map(statusRows.map((r) => [r.status, Number(r.n)])),
    queueLagSeconds: Math.max(0, Number(lagRows[0]?.lag ?? 0)),
    attempts: new Map(
      attemptRows.map((r) => [
        r.outcome!,
        { buckets: ATTEMPT_BUCKETS.map((_, i) => Number(r[`b${i}`])), count: Number(r.n), sumSeconds: Number(r.sum_ms) / 1000 },
      ]),
    ),
  };
}
