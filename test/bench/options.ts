/** Command line of `npm run bench`: the full profile, or `--quick` for CI, with a few overrides. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export interface StepTiming {
  warmupMs: number;
  windowMs: number;
  drainTimeoutMs: number;
  settleTimeoutMs: number;
}

export interface BenchOptions {
  quick: boolean;
  jsonPath: string;
  timeoutSeconds: number;
  databaseServerUrl: string;
  ceiling: { durationMs: number; concurrency: number };
  /** Events per second of the step-up, fan-out 1, in order; it stops at the first step not sustained. */
  rates: number[];
  /** Bisection steps after the first step not sustained. */
  refinements: number;
  step: StepTiming;
  /** The latency runs at 10/s and at 70 % of the maximum. */
  latencyRun: StepTiming;
  /** Rate of the low-rate latency run, and of the fan-out 1 / fan-out 10 POST comparison. */
  lowRate: number;
  fanout: number;
  historySample: number;
  /** Deliveries of the step-up whose histories are read for timeouts. */
  timeoutSample: number;
  /** Stack CPU with no load, so per-delivery figures can be read as fixed plus marginal cost. */
  idleMs: number;
  /** After the last phase, how long missing deliveries may still arrive before they count as missing. */
  finalWaitMs: number;
  /** Deliveries left waiting out a backoff for the memory figure; 0 skips the scenario. */
  backoffDeliveries: number;
  backoffTimeoutMs: number;
  /** Retry schedule of the worker during the latency runs: short, so a stray failure still lands. */
  retrySchedule: string;
  /** Directory for V8 CPU profiles of the API and the worker (written when they stop), if set. */
  cpuProfDir: string | undefined;
  /** The Temporal server: the dev server on SQLite, or a server on PostgreSQL (src/temporal/cluster.ts). */
  temporal: 'dev' | 'postgres';
  /** Worker processes (default 1 on the dev server, 2 on the PostgreSQL server). */
  workers: number;
}

const USAGE = `usage: npm run bench -- [--quick] [--json <path>] [--rates 25,50,…] [--window <s>] [--backoff <n>] [--timeout <s>] [--cpu-prof <dir>]
                        [--temporal dev|postgres] [--workers <n>]
  --quick     short run for CI (about 2 minutes)
  --json      where the JSON report goes (default test/bench/last-run.json)
  --rates     step-up rates in events/s (fan-out 1)
  --window    measured window of each step-up step, seconds
  --backoff   deliveries left waiting out a backoff for the worker-memory figure (0: skip)
  --timeout   hard limit for the whole run, seconds
  --cpu-prof  directory for V8 CPU profiles of the API and worker processes (node --cpu-prof)
  --temporal  dev: the Temporal dev server on SQLite (default); postgres: a Temporal server on
              PostgreSQL with four history shards, its databases on the bench's PostgreSQL server
  --workers   worker processes (default 1 with dev, 2 with postgres)
env: DATABASE_URL (server of the fresh database; default postgresql://postgres@127.0.0.1:5432/postgres), TEMPORAL_CLI_PATH`;

function positive(name: string, raw: string | undefined, min = 1): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min} (got "${raw}")`);
  return n;
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      rates: { type: 'string' },
      window: { type: 'string' },
      backoff: { type: 'string' },
      timeout: { type: 'string' },
      'cpu-prof': { type: 'string' },
      temporal: { type: 'string', default: 'dev' },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const rates = values.rates
    ?.split(',')
    .map((r) => positive('rates', r.trim(), 0.1)!)
    .filter((r) => r > 0);
  const windowSeconds = positive('window', values.window);
  const backoff = positive('backoff', values.backoff, 0);
  const timeout = positive('timeout', values.timeout, 30);
  const temporal = values.temporal;
  if (temporal !== 'dev' && temporal !== 'postgres') throw new Error(`--temporal must be dev or postgres (got "${temporal}")`);
  const workers = positive('workers', values.workers) ?? (temporal === 'postgres' ? 2 : 1);

  const step: StepTiming = quick
    ? { warmupMs: 1000, windowMs: 3000, drainTimeoutMs: 5000, settleTimeoutMs: 30_000 }
    : { warmupMs: 3000, windowMs: 10_000, drainTimeoutMs: 10_000, settleTimeoutMs: 120_000 };
  if (windowSeconds !== undefined) step.windowMs = windowSeconds * 1000;
  return {
    quick,
    jsonPath: resolve(values.json ?? resolve(import.meta.dirname, 'last-run.json')),
    timeoutSeconds: timeout ?? (quick ? 300 : 900),
    databaseServerUrl: process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres',
    ceiling: { durationMs: quick ? 2000 : 5000, concurrency: 32 },
    rates: rates?.length ? rates : quick ? [10, 50, 100] : [10, 25, 50, 100, 150, 200, 250, 300, 400, 500],
    refinements: quick ? 0 : 2,
    step,
    latencyRun: quick
      ? { warmupMs: 1000, windowMs: 3000, drainTimeoutMs: 5000, settleTimeoutMs: 30_000 }
      : { warmupMs: 3000, windowMs: 20_000, drainTimeoutMs: 10_000, settleTimeoutMs: 120_000 },
    lowRate: 10,
    fanout: 10,
    historySample: quick ? 10 : 20,
    timeoutSample: quick ? 300 : 3000,
    idleMs: quick ? 2000 : 5000,
    finalWaitMs: quick ? 15_000 : 60_000,
    backoffDeliveries: backoff ?? (quick ? 200 : 10_000),
    backoffTimeoutMs: quick ? 60_000 : 600_000,
    retrySchedule: '1,2,5,10,30',
    cpuProfDir: values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof']),
    temporal,
    workers: Math.floor(workers),
  };
}

export { USAGE };
