/** `endpoint.failing` is published when an endpoint fails this many attempts in a row. */
export const FAILING_THRESHOLD = 4;

/** An endpoint's current run of failures, as kept on its row. */
export interface EndpointHealth {
  consecutiveFailures: number;
  failingSince: Date | null;
  failingNotifiedAt: Date | null;
}

/** The health fields as an entity holds them (optional fields may be unset). */
type HealthRow = { consecutiveFailures: number; failingSince?: Date | null | undefined; failingNotifiedAt?: Date | null | undefined };

export type HealthNotice =
  | { kind: 'failing'; consecutiveFailures: number; failingSince: Date }
  | { kind: 'recovered'; consecutiveFailures: number; failingSince: Date };

/**
 * The endpoint's health after one recorded attempt. A failure extends the run (starting it if
 * there was none) and, on the attempt that reaches {@link FAILING_THRESHOLD}, asks for
 * `endpoint.failing` once per run. A success ends the run, with `endpoint.recovered` when the run
 * had been announced.
 */
export function nextHealth(
  health: Readonly<HealthRow>,
  succeeded: boolean,
  now: Date,
): { health: EndpointHealth; notice?: HealthNotice } {
  if (succeeded) {
    const healthy: EndpointHealth = { consecutiveFailures: 0, failingSince: null, failingNotifiedAt: null };
    if (health.failingNotifiedAt && health.failingSince) {
      return { health: healthy, notice: { kind: 'recovered', consecutiveFailures: health.consecutiveFailures, failingSince: health.failingSince } };
    }
    return { health: healthy };
  }
  const failingSince = health.failingSince ?? now;
  const consecutiveFailures = health.consecutiveFailures + 1;
  if (consecutiveFailures >= FAILING_THRESHOLD && !health.failingNotifiedAt) {
    return {
      health: { consecutiveFailures, failingSince, failingNotifiedAt: now },
      notice: { kind: 'failing', consecutiveFailures, failingSince },
    };
  }
  return { health: { consecutiveFailures, failingSince, failingNotifiedAt: health.failingNotifiedAt ?? null } };
}

/** True when the row shows a run of failures a success has to end. */
export function isFailing(health: Readonly<HealthRow>): boolean {
  return health.consecutiveFailures > 0 || Boolean(health.failingSince) || Boolean(health.failingNotifiedAt);
}
