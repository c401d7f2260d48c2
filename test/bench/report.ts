/** The run's report: one JSON document, and the same figures as tables for a person. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BackoffResult } from './backoff-scenario.js';
import type { CeilingResult } from './ceiling.js';
import { CPU_ROLES, type CpuDelta, type Memory } from './cpu-sampler.js';
import type { HistoryResult, TaskTimeoutsResult } from './history.js';
import type { LedgerTotals } from './ledger.js';
import type { StepResult } from './load-step.js';
import type { MachineInfo } from './machine.js';
import type { ReceiverStats } from './receiver.js';
import type { Stages } from './stages.js';
import type { StepUpResult } from './step-up.js';
import type { TargetResult } from './targets.js';

/** stdout line after which the JSON report follows, for scripts that read the run's output. */
export const JSON_MARKER = '--- hookline-bench-json ---';

export interface BenchReport {
  ok: boolean;
  failures: string[];
  profile: 'quick' | 'full';
  startedAt: string;
  durationSeconds: number;
  machine: MachineInfo | null;
  settings: Record<string, unknown>;
  /** Stack CPU over a stretch without load. */
  idle: CpuDelta | null;
  ceiling: CeilingResult | null;
  stepUp: StepUpResult;
  latency: { low: StepResult | null; at70: StepResult | null; lowStages: Stages | null; at70Stages: Stages | null };
  publish: { fanout1: StepResult | null; fanoutN: StepResult | null };
  history: HistoryResult | null;
  /** Workflow-task and activity timeouts among the deliveries of the step-up's highest rates. */
  timeouts: TaskTimeoutsResult | null;
  memory: { peak: Record<'api' | 'worker' | 'temporal', Memory | null>; backoff: BackoffResult | null };
  ledger: (LedgerTotals & { receiver: ReceiverStats; database: DatabaseCheck | null }) | null;
  logs: Record<string, { warn: number; error: number; lines: number }>;
  targets: TargetResult[];
}

export interface DatabaseCheck {
  rows: number;
  byStatus: Record<string, number>;
  /** Deliveries that needed more than one attempt. */
  retried: number;
}

function ms(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return 'n/a';
  if (!Number.isFinite(v)) return '∞';
  if (v < 10) return v.toFixed(2);
  if (v < 100) return v.toFixed(1);
  return String(Math.round(v));
}

function num(v: number | null | undefined, digits = 0): string {
  return v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);
}

function table(title: string, headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [`\n${title}`, line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function stepRow(s: StepResult): string[] {
  return [
    s.label,
    num(s.offered),
    num(s.deliveredPerSecond, 1),
    ms(s.eventToReceipt.p50),
    ms(s.eventToReceipt.p95),
    ms(s.eventToReceipt.p99),
    ms(s.post.p50),
    ms(s.post.p99),
    num(s.backlog.slopePerSecond, 1),
    s.drain.ms === null ? 'timeout' : ms(s.drain.ms),
    s.sustained ? 'yes' : 'no',
  ];
}

const STEP_HEADERS = ['step', 'offered/s', 'delivered/s', 'e2r p50', 'p95', 'p99', 'POST p50', 'POST p99', 'backlog/s', 'drain ms', 'sustained'];

function cpuRow(s: StepResult): string[] {
  return [s.label, ...CPU_ROLES.map((r) => ms(s.cpuPerDelivery[r])), ms(s.cpuPerDelivery.total), ms(s.cpuPerDelivery.bench), num((s.cpu.foreign / s.cpu.wallMs) * 100)];
}

export function renderTables(r: BenchReport): string {
  const out: string[] = [];
  if (r.machine) {
    const m = r.machine;
    out.push(
      `\nmachine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB; Linux ${m.kernel}; Node ${m.node}; Temporal CLI ${m.temporalCli}; ${m.postgres.split(' on ')[0]}; load average at start ${m.loadAverageAtStart.toFixed(2)}`,
    );
  }
  const topology = r.settings.topology as { temporal: string; workers: number; apis: number } | undefined;
  if (topology) {
    const server = topology.temporal === 'dev' ? 'Temporal dev server (SQLite)' : 'Temporal server on PostgreSQL (4 history shards)';
    out.push(`topology: ${server}, ${topology.apis} API, ${topology.workers} worker${topology.workers > 1 ? 's' : ''}`);
  }
  if (r.ceiling) {
    const c = r.ceiling;
    out.push(
      `\nraw ceiling (HttpSender → receiver, same signing, no engine; closed loop, ${c.concurrency} in flight): ` +
        `${num(c.perSecond)} deliveries/s, send→response p50 ${ms(c.latency.p50)} ms, p99 ${ms(c.latency.p99)} ms${c.failures ? `, ${c.failures} failed` : ''}`,
    );
  }
  // The low-rate run may be a step of the step-up (--quick): listed once.
  const latencyRuns = [r.latency.low, r.latency.at70, r.publish.fanoutN].filter(
    (s): s is StepResult => s !== null && !r.stepUp.steps.includes(s),
  );
  const allSteps = [...r.stepUp.steps, ...latencyRuns];
  if (allSteps.length > 0) {
    out.push(table('open-model steps (latencies in ms from the scheduled time; e2r = event → first receipt)', STEP_HEADERS, allSteps.map(stepRow)));
    out.push(
      `max sustained: ${r.stepUp.maxSustainedPerSecond === null ? 'none' : `${r.stepUp.maxSustainedPerSecond} deliveries/s`}` +
        (r.stepUp.stoppedAt ? ` (stopped at ${r.stepUp.stoppedAt.rate}/s: ${r.stepUp.stoppedAt.reasons.join('; ')})` : ' (every step sustained)'),
    );
    out.push(
      table('CPU ms per delivery, measured windows (foreign % = CPU of processes outside the bench, of one core)', [
        'step',
        ...CPU_ROLES,
        'total',
        'bench',
        'foreign %',
      ], allSteps.map(cpuRow)),
    );
  }
  if (r.idle) {
    const idle = r.idle;
    const perSecond = (v: number) => ms((v / idle.wallMs) * 1000);
    out.push(
      `idle stack (no load, CPU ms per second): ${CPU_ROLES.map((role) => `${role} ${perSecond(idle.roles[role])}`).join(', ')}; ` +
        `total ${perSecond(idle.total)}; foreign ${perSecond(idle.foreign)}`,
    );
  }
  const peak = r.memory.peak;
  out.push(
    `\npeak RSS (VmHWM): api ${num(peak.api?.peakMB)} MB, worker ${num(peak.worker?.peakMB)} MB, temporal ${num(peak.temporal?.peakMB)} MB`,
  );
  for (const [run, stages] of [
    [r.latency.low, r.latency.lowStages],
    [r.latency.at70, r.latency.at70Stages],
  ] as const) {
    if (!run || !stages || stages.deliveries === 0) continue;
    out.push(
      `stages at ${run.label} (engine timestamps, p50 / p99 ms): row created → attempt started ${ms(stages.queued.p50)} / ${ms(stages.queued.p99)}, ` +
        `HTTP ${ms(stages.http.p50)} / ${ms(stages.http.p99)}, response → delivered ${ms(stages.recorded.p50)} / ${ms(stages.recorded.p99)}`,
    );
  }
  if (r.publish.fanout1 && r.publish.fanoutN) {
    const [a, b] = [r.publish.fanout1, r.publish.fanoutN];
    out.push(
      `POST /events at ${a.rate}/s: fan-out ${a.fanout} p50 ${ms(a.post.p50)} ms, p99 ${ms(a.post.p99)} ms; fan-out ${b.fanout} p50 ${ms(b.post.p50)} ms, p99 ${ms(b.post.p99)} ms`,
    );
  }
  if (r.history) {
    const h = r.history;
    out.push(`history events per first-try delivery (${h.sampled} workflows): min ${h.min}, median ${h.median}, max ${h.max}`);
    if (h.example) out.push(`  e.g. ${h.example.workflowId}: ${h.example.events.join(', ')}`);
  }
  if (r.timeouts) {
    const t = r.timeouts;
    out.push(
      `timeouts under load (${t.sampled} deliveries of the step-up's highest rates, workflow task timeout ${t.workflowTaskTimeoutSeconds ?? 'n/a'} s): ` +
        `${t.workflowTaskTimeouts} workflow task, ${t.activityTimeouts} activity, ${t.affected} workflows affected`,
    );
  }
  const b = r.memory.backoff;
  if (b) {
    out.push(
      `backoff: ${b.deliveries} deliveries to a 500 endpoint published in ${b.publishSeconds.toFixed(1)} s; ` +
        `${b.firstAttempted} first attempts${b.firstAttemptsSeconds === null ? ' (not all in time)' : ` after ${b.firstAttemptsSeconds.toFixed(1)} s`}, ${b.waiting} waiting; ` +
        `worker RSS ${num(b.worker?.rssMB)} MB (peak ${num(b.worker?.peakMB)} MB), Temporal RSS ${num(b.temporal?.rssMB)} MB`,
    );
  }
  if (r.targets.length > 0) {
    out.push(
      table(
        'targets',
        ['target', 'measured', 'verdict'],
        r.targets.map((t) => [t.target, t.measured === null ? 'n/a' : `${num(t.measured, t.measured < 100 ? 1 : 0)} ${t.unit}`, t.verdict]),
      ),
    );
  }
  if (r.ledger) {
    const l = r.ledger;
    const db = l.database;
    out.push(
      `\nledger: published ${l.published} = delivered ${l.delivered} + missing ${l.missing}; ${l.duplicates} duplicates; ` +
        `POST /events ${l.postsAccepted} accepted, ${l.postFailures} failed (status codes ${JSON.stringify(l.statusCodes)}); ` +
        `${l.receiver.badSignatures} bad signatures` +
        (db ? `; database: ${Object.entries(db.byStatus).map(([s, n]) => `${s} ${n}`).join(', ') || 'no rows'}, ${db.retried} retried` : ''),
    );
  }
  const noisy = Object.entries(r.logs).filter(([, c]) => c.warn || c.error);
  if (noisy.length) out.push(`process logs: ${noisy.map(([name, c]) => `${name} ${c.error} errors, ${c.warn} warnings`).join('; ')} (on stderr)`);
  out.push(r.ok ? `\nbench: OK (${r.durationSeconds.toFixed(0)} s)` : `\nbench: FAILED\n${r.failures.map((f) => `  - ${f}`).join('\n')}`);
  return out.join('\n');
}

/** JSON has no Infinity: a delivery not received within the drain shows as null. */
export function reportJson(r: BenchReport): string {
  return JSON.stringify(r, (_key, value) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2);
}

export function writeReport(r: BenchReport, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${reportJson(r)}\n`);
}
