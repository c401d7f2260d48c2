/**
 * `npm run bench`: an open-model load test of the engine in production shape (Temporal dev server,
 * API and worker as separate processes, the machine's PostgreSQL) against a loopback receiver.
 *
 * Phases: raw ceiling (no engine) → step-up to the maximum sustained rate → latency at 10/s and at
 * 70 % of that maximum → POST /events at fan-out 1 and 10 → history events per delivery → worker
 * memory with deliveries waiting out a backoff. Every accepted delivery is booked in a ledger; any
 * missing delivery, failed POST or bad signature exits 1. `--quick` is the short run for CI.
 * Figures and targets: test/bench/RESULTS.md.
 */
import { apiClient, createEndpoint, type ApiClient } from './api-client.js';
import { runBackoffScenario } from './backoff-scenario.js';
import { measureCeiling } from './ceiling.js';
import { cpuSampler, largestMemoryOf, memoryOf, type CpuSampler } from './cpu-sampler.js';
import { historyEventsPerFirstTryDelivery, taskTimeoutsUnderLoad } from './history.js';
import { Ledger } from './ledger.js';
import { cleanup, installGuards, onCleanup, sleep, waitUntil } from './lifecycle.js';
import { runStep, SUSTAINED, type StepContext, type StepResult, type StepSpec } from './load-step.js';
import { stepUp } from './step-up.js';
import { currentLoadAverage, machineInfo } from './machine.js';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import { startReceiver, type Receiver } from './receiver.js';
import { deliveryStages } from './stages.js';
import { JSON_MARKER, renderTables, reportJson, writeReport, type BenchReport, type DatabaseCheck } from './report.js';
import { startStack, TEMPORAL_TUNING, type Stack } from './stack.js';
import { evaluateTargets } from './targets.js';

/** Connections from the generator to the API: how many POSTs the API sees at once, at most. */
const API_CONNECTIONS = 64;
const LEDGER_EVENT_TYPE = 'order.created';
const FANOUT_EVENT_TYPE = 'order.shipped';

let options: BenchOptions;
try {
  options = parseOptions(process.argv.slice(2));
} catch (err) {
  console.error(`${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
const guards = installGuards(options.timeoutSeconds);
const started = Date.now();
const deadline = started + options.timeoutSeconds * 1000;

const report: BenchReport = {
  ok: false,
  failures: [],
  profile: options.quick ? 'quick' : 'full',
  startedAt: new Date(started).toISOString(),
  durationSeconds: 0,
  machine: null,
  settings: {
    rates: options.rates,
    refinements: options.refinements,
    step: options.step,
    latencyRun: options.latencyRun,
    lowRate: options.lowRate,
    fanout: options.fanout,
    sustained: SUSTAINED,
    ceiling: options.ceiling,
    apiConnections: API_CONNECTIONS,
    topology: { temporal: options.temporal, workers: options.workers, apis: 1 },
    temporal: options.temporal === 'dev' ? TEMPORAL_TUNING : { server: 'PostgreSQL persistence and visibility, 4 history shards', dynamicConfig: 'scripts/temporal/dynamicconfig.yaml' },
    retrySchedule: options.retrySchedule,
    backoffDeliveries: options.backoffDeliveries,
  },
  idle: null,
  ceiling: null,
  stepUp: { steps: [], maxSustainedPerSecond: null, stoppedAt: null },
  latency: { low: null, at70: null, lowStages: null, at70Stages: null },
  publish: { fanout1: null, fanoutN: null },
  history: null,
  timeouts: null,
  memory: { peak: { api: null, worker: null, temporal: null }, backoff: null },
  ledger: null,
  logs: {},
  targets: [],
};

function log(message: string): void {
  console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);
}

function describeStep(s: StepResult): string {
  return (
    `${s.label}: ${s.deliveredPerSecond.toFixed(1)} delivered/s, e2r p50 ${s.eventToReceipt.p50.toFixed(1)} p99 ${s.eventToReceipt.p99.toFixed(1)} ms, ` +
    `POST p99 ${s.post.p99.toFixed(1)} ms, CPU ${s.cpuPerDelivery.total.toFixed(2)} ms/delivery — ${s.sustained ? 'sustained' : `not sustained (${s.reasons.join('; ')})`}`
  );
}

function assertStackAlive(stack: Stack): void {
  const unexpected = stack.children().filter((c) => c.hasExited() && !c.stopRequested());
  if (unexpected.length > 0) throw new Error(`${unexpected.map((c) => c.name).join(', ')} exited during the run`);
}

async function databaseCheck(stack: Stack, endpointIds: readonly string[]): Promise<DatabaseCheck> {
  const rows = await stack.orm.em
    .fork()
    .getConnection()
    .execute<{ status: string; n: number; retried: number }[]>(
      `select status, count(*)::int as n, count(*) filter (where attempt_count > 1)::int as retried
         from deliveries where endpoint_id in (${endpointIds.map(() => '?').join(', ')}) group by status order by status`,
      [...endpointIds],
    );
  return {
    rows: rows.reduce((n, r) => n + r.n, 0),
    byStatus: Object.fromEntries(rows.map((r) => [r.status, r.n])),
    retried: rows.reduce((n, r) => n + r.retried, 0),
  };
}

/** Why the run fails: anything lost, refused or forged. Missed targets are not failures. */
function verdicts(r: BenchReport, ledger: Ledger, receiver: Receiver): string[] {
  const failures: string[] = [];
  const l = r.ledger!;
  if (l.missing > 0) {
    const examples = ledger.missingKeys(receiver).slice(0, 3).map((k) => `${k.eventId} → ${k.path}`);
    failures.push(`${l.missing} of ${l.published} deliveries missing (e.g. ${examples.join(', ')})`);
  }
  if (l.postFailures > 0) failures.push(`${l.postFailures} POST /events not 2xx: ${l.failureSamples.slice(0, 3).join('; ')}`);
  if (l.fanoutMismatches > 0) failures.push(`${l.fanoutMismatches} events with an unexpected fan-out`);
  if (l.receiver.badSignatures > 0) failures.push(`${l.receiver.badSignatures} requests with a bad signature`);
  if (l.receiver.unknownPaths > 0) failures.push(`${l.receiver.unknownPaths} requests to an unknown path`);
  const db = l.database;
  if (db && (db.rows !== l.published || (db.byStatus.delivered ?? 0) !== l.published)) {
    failures.push(`database: ${db.byStatus.delivered ?? 0} of ${l.published} deliveries delivered (${JSON.stringify(db.byStatus)})`);
  }
  if (r.ceiling && r.ceiling.failures > 0) failures.push(`raw ceiling: ${r.ceiling.failures} requests failed`);
  if (r.memory.backoff && r.memory.backoff.postFailures > 0) failures.push(`backoff scenario: ${r.memory.backoff.postFailures} POST /events failed`);
  return failures;
}

async function run(): Promise<void> {
  const loadAtStart = currentLoadAverage();
  const server = options.temporal === 'dev' ? 'Temporal dev server' : 'Temporal server on PostgreSQL';
  log(`${report.profile} run; starting the stack (${server}, API, ${options.workers} worker${options.workers > 1 ? 's' : ''}, PostgreSQL)`);
  const stack = await startStack({
    databaseServerUrl: options.databaseServerUrl,
    retrySchedule: options.retrySchedule,
    cpuProfDir: options.cpuProfDir,
    topology: options.temporal,
    workers: options.workers,
  });
  const receiver: Receiver = await startReceiver();
  onCleanup('receiver', () => receiver.close());
  const api: ApiClient = apiClient(stack.apiUrl, stack.apiKey, API_CONNECTIONS);
  onCleanup('API client', () => api.close());
  report.machine = await machineInfo(stack.temporalCli, stack.orm, loadAtStart);

  const one = await createEndpoint(api, `${receiver.base}/one`, LEDGER_EVENT_TYPE);
  receiver.addPath('/one', one.secret);
  const fanPaths: string[] = [];
  const endpointIds = [one.id];
  for (let k = 0; k < options.fanout; k++) {
    const path = `/fan/${k}`;
    const ep = await createEndpoint(api, `${receiver.base}${path}`, FANOUT_EVENT_TYPE);
    receiver.addPath(path, ep.secret);
    fanPaths.push(path);
    endpointIds.push(ep.id);
  }
  const sampler: CpuSampler = cpuSampler(
    () => ({ api: stack.api.pid, worker: stack.workers.map((w) => w.pid), temporal: stack.temporalServer.pid }),
    stack.databaseNames,
  );
  onCleanup('CPU sampler', async () => sampler.close());
  const ledger = new Ledger();
  const ctx: StepContext = { api, receiver, sampler, ledger };
  const step = (label: string, rate: number, eventType: string, paths: readonly string[], timing: BenchOptions['step']): StepSpec => ({
    label,
    rate,
    eventType,
    paths,
    ...timing,
  });
  log(`stack ready: Temporal ${stack.temporalAddress}, API ${stack.apiUrl}, receiver ${receiver.base}, database ${stack.databaseName}`);

  // Warms every path (JIT, pools, caches, workflow cache) at a low rate; booked, never reported.
  const warm = await runStep(ctx, step('warm-up', 20, LEDGER_EVENT_TYPE, ['/one'], { ...options.step, warmupMs: 0, windowMs: options.quick ? 2000 : 5000 }));
  await runStep(ctx, step('warm-up fan-out', 5, FANOUT_EVENT_TYPE, fanPaths, { ...options.step, warmupMs: 0, windowMs: 1000 }));
  log(`warm-up: ${describeStep(warm)}`);

  const idleFrom = sampler.sample();
  await sleep(options.idleMs);
  report.idle = sampler.delta(idleFrom, sampler.sample());

  report.ceiling = await measureCeiling(receiver, options.ceiling);
  log(`raw ceiling: ${report.ceiling.perSecond.toFixed(0)} deliveries/s, p99 ${report.ceiling.latency.p99.toFixed(2)} ms`);

  report.stepUp = await stepUp(ctx, (rate, label) => step(label, rate, LEDGER_EVENT_TYPE, ['/one'], options.step), {
    rates: options.rates,
    refinements: options.refinements,
    beforeStep: () => assertStackAlive(stack),
    afterStep: (s) => log(`step-up ${describeStep(s)}`),
  });

  assertStackAlive(stack);
  // A step-up step at the low rate serves if its window is as long as the latency run's (--quick).
  const low =
    report.stepUp.steps.find((s) => s.rate === options.lowRate && options.step.windowMs >= options.latencyRun.windowMs) ??
    (await runStep(ctx, step(`${options.lowRate}/s`, options.lowRate, LEDGER_EVENT_TYPE, ['/one'], options.latencyRun)));
  report.latency.low = low;
  report.publish.fanout1 = low;
  log(`latency ${describeStep(low)}`);
  report.latency.lowStages = await deliveryStages(stack.orm, one.id, low.window.start, low.window.end);
  const max = report.stepUp.maxSustainedPerSecond;
  if (max !== null) {
    const rate = Math.max(1, Math.round(max * 0.7));
    report.latency.at70 = await runStep(ctx, step(`${rate}/s (70 %)`, rate, LEDGER_EVENT_TYPE, ['/one'], options.latencyRun));
    log(`latency ${describeStep(report.latency.at70)}`);
    report.latency.at70Stages = await deliveryStages(stack.orm, one.id, report.latency.at70.window.start, report.latency.at70.window.end);
  }
  assertStackAlive(stack);
  report.publish.fanoutN = await runStep(
    ctx,
    step(`${options.lowRate}/s ×${options.fanout}`, options.lowRate, FANOUT_EVENT_TYPE, fanPaths, { ...options.latencyRun, windowMs: Math.min(options.latencyRun.windowMs, 10_000) }),
  );
  log(`fan-out ${describeStep(report.publish.fanoutN)}`);

  report.history = await historyEventsPerFirstTryDelivery(stack.orm, stack.temporal, stack.namespace, endpointIds, options.historySample);
  log(`history events per first-try delivery: median ${report.history.median} (${report.history.sampled} workflows)`);

  // The step-up's highest rates first: the deliveries that ran on a saturated worker.
  const loaded = [...report.stepUp.steps].sort((a, b) => b.rate - a.rate).map((s) => s.window);
  report.timeouts = await taskTimeoutsUnderLoad(stack.orm, stack.temporal, stack.namespace, one.id, loaded, options.timeoutSample);
  const t = report.timeouts;
  log(`timeouts under load: ${t.workflowTaskTimeouts} workflow task, ${t.activityTimeouts} activity, in ${t.sampled} deliveries of the step-up's highest rates`);

  // The worker is replaced for the backoff scenario: its peak is read first.
  report.memory.peak = { api: memoryOf(stack.api.pid) ?? null, worker: largestMemoryOf(stack.workers.map((w) => w.pid)) ?? null, temporal: memoryOf(stack.temporalServer.pid) ?? null };

  // The ledger is settled before the backoff scenario replaces the worker.
  await waitUntil(() => ledger.missingKeys(receiver).length === 0, options.finalWaitMs, 250);
  const totals = ledger.totals(receiver);
  const database = await databaseCheck(stack, endpointIds);
  report.ledger = { ...totals, receiver: { ...receiver.stats }, database };

  if (options.backoffDeliveries > 0) {
    log(`backoff: restarting the worker with an hour-long retry schedule, then ${options.backoffDeliveries} deliveries to an endpoint answering 500`);
    report.memory.backoff = await runBackoffScenario(
      { stack, api, receiver, sampler },
      // Whatever the hard timeout leaves, less a margin for the report and the teardown.
      { deliveries: options.backoffDeliveries, concurrency: 32, timeoutMs: Math.min(options.backoffTimeoutMs, deadline - Date.now() - 90_000) },
    );
    const b = report.memory.backoff;
    log(`backoff: ${b.firstAttempted}/${b.deliveries} first attempts, ${b.waiting} waiting; worker RSS ${b.worker?.rssMB.toFixed(0)} MB`);
  }
  assertStackAlive(stack);
  report.ledger.receiver = { ...receiver.stats };

  report.failures.push(...verdicts(report, ledger, receiver));

  const at150 = report.stepUp.steps.find((s) => s.rate === 150 && s.fanout === 1);
  const cpuRun = report.latency.at70 ?? [...report.stepUp.steps].reverse().find((s) => s.sustained) ?? null;
  report.targets = evaluateTargets({
    maxSustainedPerSecond: report.stepUp.maxSustainedPerSecond,
    at10: low.rate === 10 ? { p50: low.eventToReceipt.p50, p99: low.eventToReceipt.p99 } : null,
    at150: at150 ? { e2rP99: at150.eventToReceipt.p99, postP99: at150.post.p99 } : null,
    stoppedAt: report.stepUp.stoppedAt?.rate ?? null,
    cpuMsPerDelivery: cpuRun?.cpuPerDelivery.total ?? null,
    historyEventsPerDelivery: report.history.sampled > 0 ? report.history.median : null,
    backoff: report.memory.backoff?.worker ? { waiting: report.memory.backoff.waiting, workerRssMB: report.memory.backoff.worker.rssMB } : null,
  });
  for (const child of stack.children()) {
    const key = report.logs[child.name] ? `${child.name}#${child.pid}` : child.name;
    report.logs[key] = { warn: child.logs.warn, error: child.logs.error, lines: child.logs.lines };
  }
}

async function main(): Promise<number> {
  try {
    await run();
  } catch (err) {
    report.failures.push(`the run stopped: ${(err as Error).stack ?? String(err)}`);
  }
  report.ok = report.failures.length === 0;
  report.durationSeconds = (Date.now() - started) / 1000;
  console.log(renderTables(report));
  console.log(JSON_MARKER);
  console.log(reportJson(report));
  writeReport(report, options.jsonPath);
  log(`JSON written to ${options.jsonPath}; shutting down`);
  return report.ok ? 0 : 1;
}

const code = await main();
guards.disarm();
await cleanup();
process.exit(code);
