/**
 * Open-model load: event i is scheduled at t0 + i/rate and fired then, whatever happened to the
 * events before it. Latencies are taken from the scheduled time, so neither a slow API (responses
 * queue) nor a late generator (timers fire late) can hide queueing: both show up as latency.
 */
import type { ApiClient } from './api-client.js';

export interface Publication {
  seq: number;
  /** performance.now() at which the event was due. */
  scheduledAt: number;
  firedAt: number;
  /** NaN until the response is complete. */
  respondedAt: number;
  /** HTTP status; 0 when there was no response. */
  status: number;
  eventId: string | undefined;
  /** Deliveries the API reported for the event. */
  deliveries: number;
  error: string | undefined;
}

export interface OpenLoadSpec {
  label: string;
  /** Events per second. */
  rate: number;
  durationMs: number;
  eventType: string;
  /** Safety bound only: an event due while this many are in flight is not sent, and counted. */
  maxInFlight: number;
}

export interface OpenLoad {
  /** The schedule's origin (performance.now()); known before the first event is due. */
  t0: number;
  /** Settles once every event has been fired and answered. */
  done: Promise<OpenLoadResult>;
}

export interface OpenLoadResult {
  publications: Publication[];
  /** Events not sent because `maxInFlight` were outstanding. */
  capHits: number;
  /** Fired − scheduled, per event: how late the generator itself was. */
  firingLagMs: number[];
}

/** Lead time before the first event, so the caller can arm its window timers against t0. */
const START_LEAD_MS = 20;

export function startOpenLoad(api: ApiClient, spec: OpenLoadSpec): OpenLoad {
  const count = Math.max(1, Math.round((spec.rate * spec.durationMs) / 1000));
  const intervalMs = 1000 / spec.rate;
  const t0 = performance.now() + START_LEAD_MS;
  const publications: Publication[] = [];
  const firingLagMs: number[] = [];
  const pending: Promise<void>[] = [];
  let inFlight = 0;
  let capHits = 0;

  const fire = (seq: number, scheduledAt: number) => {
    const firedAt = performance.now();
    firingLagMs.push(firedAt - scheduledAt);
    if (inFlight >= spec.maxInFlight) {
      capHits++;
      return;
    }
    const pub: Publication = {
      seq,
      scheduledAt,
      firedAt,
      respondedAt: NaN,
      status: 0,
      eventId: undefined,
      deliveries: 0,
      error: undefined,
    };
    publications.push(pub);
    inFlight++;
    pending.push(
      api
        .call('POST', '/events', { type: spec.eventType, data: { bench: spec.label, seq } })
        .then(
          (res) => {
            pub.respondedAt = performance.now();
            pub.status = res.status;
            if (res.status >= 200 && res.status < 300 && typeof res.body?.id === 'string') {
              pub.eventId = res.body.id as string;
              pub.deliveries = Number(res.body.deliveries ?? 0);
            } else {
              pub.error = `HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`;
            }
          },
          (err: unknown) => {
            pub.respondedAt = performance.now();
            pub.error = (err as Error).message;
          },
        )
        .finally(() => inFlight--),
    );
  };

  const done = new Promise<OpenLoadResult>((resolve) => {
    let next = 0;
    const tick = () => {
      // Catch up on everything already due: a late timer fires a burst, it does not shift the schedule.
      const now = performance.now();
      while (next < count && t0 + next * intervalMs <= now) {
        fire(next, t0 + next * intervalMs);
        next++;
      }
      if (next < count) {
        setTimeout(tick, Math.max(0, t0 + next * intervalMs - performance.now()));
        return;
      }
      void Promise.all(pending).then(() => resolve({ publications, capHits, firingLagMs }));
    };
    setTimeout(tick, START_LEAD_MS);
  });
  return { t0, done };
}
