/**
 * One open-model step at a fixed rate: warm-up (not measured), the measured window, then the
 * drain. Everything measured belongs to the window: latencies of the events scheduled in it, the
 * deliveries received in it, and the CPU consumed in it.
 */
import type { ApiClient } from './api-client.js';
import { CPU_ROLES, type CpuDelta, type CpuRole, type CpuSample, type CpuSampler } from './cpu-sampler.js';
import type { Ledger } from './ledger.js';
import { isAborted, sleep, waitUntil } from './lifecycle.js';
import { startOpenLoad, type Publication } from './load-generator.js';
import type { Receiver } from './receiver.js';
import { slope, summarize, type LatencySummary } from './stats.js';

/**
 * When a step counts as sustained: p99 event→receipt below this, the backlog not growing faster
 * than the larger of the two growth limits over the window, and the last delivery of the step
 * received within `maxDrainMs` of the last event's scheduled time.
 */
export const SUSTAINED = {
  maxP99Ms: 1000,
  /** Backlog growth allowed, as a share of the arrival rate (deliveries/s per deliveries/s). */
  maxBacklogGrowthShare: 0.03,
  /** …and in absolute terms, so the noise of a slow step cannot fail it (deliveries/s). */
  maxBacklogGrowthPerSecond: 2,
  maxDrainMs: 1000,
} as const;

/** Backlog sample interval inside the window. */
const BACKLOG_SAMPLE_MS = 100;
const MAX_IN_FLIGHT = 5000;

export interface StepSpec {
  label: string;
  /** Events per second. */
  rate: number;
  eventType: string;
  /** Receiver paths of the endpoints subscribed to `eventType`: the fan-out. */
  paths: readonly string[];
  warmupMs: number;
  windowMs: number;
  /** How long after the last scheduled event the step waits for its deliveries before it is judged. */
  drainTimeoutMs: number;
  /** Further wait (not measured) so the next step starts without this one's backlog. */
  settleTimeoutMs: number;
}

export interface StepResult {
  label: string;
  rate: number;
  fanout: number;
  /** Deliveries per second arriving (rate × fan-out). */
  offered: number;
  /** The measured window, performance.now() of the bench process. */
  window: { start: number; end: number };
  events: { scheduled: number; accepted: number; postFailures: number; capHits: number };
  /** Event scheduled → first receipt, per delivery scheduled in the window; null when not received within the drain. */
  eventToReceipt: LatencySummary;
  /** Event scheduled → POST response complete. */
  post: LatencySummary;
  /** Deliveries received inside the window, per second. */
  deliveredPerSecond: number;
  deliveredInWindow: number;
  backlog: { slopePerSecond: number; limitPerSecond: number; max: number };
  drain: { drained: boolean; ms: number | null; undelivered: number; settledMs: number | null };
  sustained: boolean;
  /** Why the step is not sustained. */
  reasons: string[];
  cpu: CpuDelta;
  /** CPU ms per delivery received in the window, per role, and `total` of the four roles. */
  cpuPerDelivery: Record<CpuRole | 'total' | 'bench', number>;
  firingLagMs: { p99: number; max: number };
}

export interface StepContext {
  api: ApiClient;
  receiver: Receiver;
  sampler: CpuSampler;
  ledger: Ledger;
}

/** Resolves with `fn()` run at performance.now() ≈ `at`. */
function runAt<T>(at: number, fn: () => T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(fn()), Math.max(0, at - performance.now())));
}

interface Delivery {
  scheduledAt: number;
  eventId: string;
  path: string;
}

function deliveriesOf(publications: readonly Publication[], paths: readonly string[]): Delivery[] {
  return publications.flatMap((p) => (p.eventId ? paths.map((path) => ({ scheduledAt: p.scheduledAt, eventId: p.eventId!, path })) : []));
}

/** Deliveries scheduled and not yet received at each sample time in [from, to]. */
function backlogSeries(deliveries: readonly Delivery[], receivedAt: readonly number[], from: number, to: number) {
  const arrivals = deliveries.map((d) => d.scheduledAt).sort((a, b) => a - b);
  const receipts = [...receivedAt].sort((a, b) => a - b);
  const points: { x: number; y: number }[] = [];
  let a = 0;
  let r = 0;
  for (let t = from; t <= to; t += BACKLOG_SAMPLE_MS) {
    while (a < arrivals.length && arrivals[a]! <= t) a++;
    while (r < receipts.length && receipts[r]! <= t) r++;
    points.push({ x: (t - from) / 1000, y: a - r });
  }
  return points;
}

export async function runStep(ctx: StepContext, spec: StepSpec): Promise<StepResult> {
  const durationMs = spec.warmupMs + spec.windowMs;
  const load = startOpenLoad(ctx.api, { label: spec.label, rate: spec.rate, durationMs, eventType: spec.eventType, maxInFlight: MAX_IN_FLIGHT });
  const windowStart = load.t0 + spec.warmupMs;
  const windowEnd = windowStart + spec.windowMs;
  const cpuFrom: Promise<CpuSample> = runAt(windowStart, () => ctx.sampler.sample());
  const cpuTo: Promise<CpuSample> = runAt(windowEnd, () => ctx.sampler.sample());
  const { publications, capHits, firingLagMs } = await load.done;
  for (const pub of publications) ctx.ledger.record(pub, spec.paths, spec.label);

  const deliveries = deliveriesOf(publications, spec.paths);
  const lastScheduled = load.t0 + (Math.max(1, Math.round((spec.rate * durationMs) / 1000)) - 1) * (1000 / spec.rate);
  let pending = deliveries;
  const allReceived = () => {
    pending = pending.filter((d) => !ctx.receiver.receipt(d.eventId, d.path));
    return pending.length === 0;
  };
  const drained = await waitUntil(allReceived, Math.max(0, lastScheduled + spec.drainTimeoutMs - performance.now()), 20);
  const undelivered = pending.length;
  const receipts = deliveries.map((d) => ctx.receiver.receipt(d.eventId, d.path)?.at);
  const lastReceipt = receipts.reduce<number>((m, at) => Math.max(m, at ?? -Infinity), -Infinity);
  const drainMs = drained && deliveries.length > 0 ? Math.max(0, lastReceipt - lastScheduled) : null;
  let settledMs: number | null = drainMs;
  if (!drained) {
    const settled = await waitUntil(allReceived, spec.settleTimeoutMs, 100);
    settledMs = settled ? performance.now() - lastScheduled : null;
  }
  const [from, to] = await Promise.all([cpuFrom, cpuTo]);
  const cpu = ctx.sampler.delta(from, to);

  const inWindow = (at: number) => at >= windowStart && at < windowEnd;
  const e2r: number[] = [];
  deliveries.forEach((d, i) => {
    if (!inWindow(d.scheduledAt)) return;
    const at = receipts[i];
    // Not received within the drain: counted as infinitely late, so it cannot flatter the percentiles.
    e2r.push(at === undefined ? Infinity : at - d.scheduledAt);
  });
  const post = publications.filter((p) => inWindow(p.scheduledAt)).map((p) => p.respondedAt - p.scheduledAt);
  const receivedAt = receipts.filter((at): at is number => at !== undefined);
  const deliveredInWindow = receivedAt.filter(inWindow).length;
  const backlogPoints = backlogSeries(deliveries, receivedAt, windowStart, windowEnd);
  const offered = spec.rate * spec.paths.length;
  const limitPerSecond = Math.max(SUSTAINED.maxBacklogGrowthPerSecond, SUSTAINED.maxBacklogGrowthShare * offered);
  const backlogSlope = slope(backlogPoints);
  const postFailures = publications.filter((p) => !p.eventId).length;
  const eventToReceipt = summarize(e2r);

  const reasons: string[] = [];
  if (!(eventToReceipt.p99 < SUSTAINED.maxP99Ms)) reasons.push(`p99 ${fmt(eventToReceipt.p99)} ms ≥ ${SUSTAINED.maxP99Ms} ms`);
  if (backlogSlope > limitPerSecond) reasons.push(`backlog grew ${backlogSlope.toFixed(1)}/s > ${limitPerSecond.toFixed(1)}/s`);
  if (!drained) reasons.push(`${undelivered} deliveries not received ${spec.drainTimeoutMs / 1000} s after the last event`);
  else if (drainMs !== null && drainMs > SUSTAINED.maxDrainMs) reasons.push(`drain took ${Math.round(drainMs)} ms > ${SUSTAINED.maxDrainMs} ms`);
  if (capHits > 0) reasons.push(`${capHits} events not sent (in-flight cap)`);
  if (postFailures > 0) reasons.push(`${postFailures} POST /events failed`);
  if (isAborted()) reasons.push('aborted');

  const perDelivery = (ms: number) => (deliveredInWindow > 0 ? ms / deliveredInWindow : NaN);
  const cpuPerDelivery = {
    ...(Object.fromEntries(CPU_ROLES.map((r) => [r, perDelivery(cpu.roles[r])])) as Record<CpuRole, number>),
    total: perDelivery(cpu.total),
    bench: perDelivery(cpu.bench),
  };
  const lag = summarize(firingLagMs);
  // A short pause so the next step does not start inside this one's tail of bookkeeping.
  await sleep(500);
  return {
    label: spec.label,
    rate: spec.rate,
    fanout: spec.paths.length,
    offered,
    window: { start: windowStart, end: windowEnd },
    events: { scheduled: publications.length + capHits, accepted: publications.length - postFailures, postFailures, capHits },
    eventToReceipt,
    post: summarize(post),
    deliveredPerSecond: deliveredInWindow / (spec.windowMs / 1000),
    deliveredInWindow,
    backlog: { slopePerSecond: backlogSlope, limitPerSecond, max: backlogPoints.reduce((m, p) => Math.max(m, p.y), 0) },
    drain: { drained, ms: drainMs, undelivered, settledMs },
    sustained: reasons.length === 0,
    reasons,
    cpu,
    cpuPerDelivery,
    firingLagMs: { p99: lag.p99, max: lag.max },
  };
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(0) : '∞';
}
