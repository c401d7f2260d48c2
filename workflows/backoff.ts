/** What the previous attempt told us about when to try again. */
export interface RetryHint {
  /** Milliseconds from a `Retry-After` header of a 429 or 503 response. */
  retryAfterMs?: number;
  /** The attempt was rate limited (429) or timed out: wait at least a minute. */
  slowDown?: boolean;
}

/** Jitter of every delivery's schedule: ±20 %. */
export const RETRY_JITTER = 0.2;

/**
 * What an attempt needs to tell, when it fails, how long the delivery waits: the run's schedule,
 * the failures so far and the run's random sample for the jitter (so the answer is the same
 * every time the step runs).
 */
export interface RetryPlan {
  policy: BackoffPolicy;
  failures: number;
  sample: number;
}

export interface BackoffPolicy {
  scheduleSeconds: readonly number[];
  maxIntervalSeconds: number;
  /** Fraction of jitter either side, 0.2 = ±20 %. */
  jitter: number;
}

/** The minimum wait after a 429 or a timeout. */
export const SLOW_DOWN_FLOOR_MS = 60_000;

/** Number of attempts a schedule allows: the first one plus one per interval. */
export function maxAttempts(policy: BackoffPolicy): number {
  return policy.scheduleSeconds.length + 1;
}

/**
 * The wait before retry number `retryIndex` (0 = the wait after the first attempt),
 * or `undefined` when the schedule is exhausted. `random` is a value in [0, 1).
 */
export function retryDelayMs(policy: BackoffPolicy, retryIndex: number, random: number, hint: RetryHint = {}): number | undefined {
  const base = policy.scheduleSeconds[retryIndex];
  if (base === undefined) return undefined;
  const maxMs = policy.maxIntervalSeconds * 1000;
  let delay = base * 1000 * (1 + policy.jitter * (2 * random - 1));
  if (hint.retryAfterMs !== undefined) delay = Math.max(delay, Math.min(hint.retryAfterMs, maxMs));
  if (hint.slowDown) delay = Math.max(delay, Math.min(SLOW_DOWN_FLOOR_MS, maxMs));
  return Math.round(Math.max(delay, 0));
}
