/**
 * The performance targets, printed next to what was measured. They do not decide the exit code:
 * a run fails only on its ledger (missing deliveries, failed POSTs, bad signatures), so that CI
 * catches lost deliveries on any machine, while the figures depend on the machine.
 */

export interface TargetInput {
  maxSustainedPerSecond: number | null;
  at10: { p50: number; p99: number } | null;
  at150: { e2rP99: number; postP99: number } | null;
  /** The first step-up rate not sustained, if the step-up stopped. */
  stoppedAt: number | null;
  cpuMsPerDelivery: number | null;
  historyEventsPerDelivery: number | null;
  /** Worker RSS with this many deliveries waiting out a backoff. */
  backoff: { waiting: number; workerRssMB: number } | null;
}

export interface TargetResult {
  target: string;
  limit: number;
  unit: string;
  measured: number | null;
  /** null when not measured in this run (say, `--quick`). */
  pass: boolean | null;
  /** "pass", "missed by …" or why there is no figure. */
  verdict: string;
}

const BACKOFF_TARGET_DELIVERIES = 10_000;

function judge(
  target: string,
  kind: 'atLeast' | 'atMost',
  limit: number,
  unit: string,
  measured: number | null,
  why?: { verdict: string; pass: false | null },
): TargetResult {
  if (measured === null || !Number.isFinite(measured)) {
    return { target, limit, unit, measured: null, pass: why?.pass ?? null, verdict: why?.verdict ?? 'not measured' };
  }
  const pass = kind === 'atLeast' ? measured >= limit : measured <= limit;
  const by = Math.abs(measured - limit);
  const digits = by >= 10 ? 0 : by >= 1 ? 1 : 2;
  return {
    target,
    limit,
    unit,
    measured,
    pass,
    verdict: pass ? 'pass' : `missed by ${by.toFixed(digits)} ${unit} (${Math.round((by / limit) * 100)} %)`,
  };
}

export function evaluateTargets(m: TargetInput): TargetResult[] {
  // An engine that cannot sustain 150/s misses the targets at 150/s; a run that skipped the rate has no figure.
  const not150 =
    m.stoppedAt !== null && m.stoppedAt <= 150
      ? { verdict: `missed: not sustained up to 150/s (step-up stopped at ${m.stoppedAt}/s)`, pass: false as const }
      : { verdict: 'not measured (150/s not in --rates)', pass: null };
  return [
    judge('maximum sustained rate ≥ 200 deliveries/s', 'atLeast', 200, 'deliveries/s', m.maxSustainedPerSecond ?? 0),
    judge('at 10/s: event→receipt p50 ≤ 15 ms', 'atMost', 15, 'ms', m.at10?.p50 ?? null),
    judge('at 10/s: event→receipt p99 ≤ 50 ms', 'atMost', 50, 'ms', m.at10?.p99 ?? null),
    judge('at 150/s: event→receipt p99 ≤ 250 ms', 'atMost', 250, 'ms', m.at150?.e2rP99 ?? null, not150),
    judge('at 150/s: POST /events p99 ≤ 25 ms', 'atMost', 25, 'ms', m.at150?.postP99 ?? null, not150),
    judge('all processes together ≤ 8 ms CPU per delivery (at 70 % of max)', 'atMost', 8, 'ms', m.cpuMsPerDelivery),
    judge('≤ 7 history events per first-try delivery (median)', 'atMost', 7, 'events', m.historyEventsPerDelivery),
    m.backoff && m.backoff.waiting >= BACKOFF_TARGET_DELIVERIES
      ? judge(`worker RSS ≤ 400 MB while ${BACKOFF_TARGET_DELIVERIES} deliveries wait out a backoff`, 'atMost', 400, 'MB', m.backoff.workerRssMB)
      : judge(
          `worker RSS ≤ 400 MB while ${BACKOFF_TARGET_DELIVERIES} deliveries wait out a backoff`,
          'atMost',
          400,
          'MB',
          null,
          {
            verdict: m.backoff ? `only ${m.backoff.waiting} deliveries waiting in this run (${m.backoff.workerRssMB.toFixed(0)} MB)` : 'not run',
            pass: null,
          },
        ),
  ];
}
