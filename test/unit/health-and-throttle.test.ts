import { describe, expect, it } from 'vitest';
import { FAILING_THRESHOLD, nextHealth, type EndpointHealth } from '../../activities/endpoint-health.js';
import { isOperationalEventType, subscribes } from '../../src/event-types.js';
import { MAX_THROTTLE_SPREAD_MS, throttledDelayMs } from '../../workflows/throttle.js';

const healthy: EndpointHealth = { consecutiveFailures: 0, failingSince: null, failingNotifiedAt: null };
const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

function run(outcomes: boolean[]) {
  let health = healthy;
  const notices: string[] = [];
  outcomes.forEach((ok, i) => {
    const next = nextHealth(health, ok, t(i));
    health = next.health;
    if (next.notice) notices.push(`${next.notice.kind}@${i}`);
  });
  return { health, notices };
}

describe('endpoint health', () => {
  it('starts a failing run at the first failure and counts it', () => {
    const { health, notices } = run([false, false]);
    expect(health).toEqual({ consecutiveFailures: 2, failingSince: t(0), failingNotifiedAt: null });
    expect(notices).toEqual([]);
  });

  it('announces failing once, on the fourth failure in a row', () => {
    expect(FAILING_THRESHOLD).toBe(4);
    const { health, notices } = run([false, false, false, false, false, false]);
    expect(notices).toEqual(['failing@3']);
    expect(health).toEqual({ consecutiveFailures: 6, failingSince: t(0), failingNotifiedAt: t(3) });
  });

  it('announces recovered on the first success after an announced run, and resets', () => {
    const { health, notices } = run([false, false, false, false, true, true]);
    expect(notices).toEqual(['failing@3', 'recovered@4']);
    expect(health).toEqual(healthy);
  });

  it('says nothing when a short run of failures ends', () => {
    const { health, notices } = run([false, false, false, true, false, false, false]);
    expect(notices).toEqual([]);
    expect(health).toEqual({ consecutiveFailures: 3, failingSince: t(4), failingNotifiedAt: null });
  });

  it('carries the run into the recovered notice', () => {
    const failing = run([false, false, false, false, false]).health;
    expect(nextHealth(failing, true, t(9)).notice).toEqual({ kind: 'recovered', consecutiveFailures: 5, failingSince: t(0) });
  });
});

describe('operational event subscriptions', () => {
  it('reaches only endpoints that name them or their prefix, never a catch-all', () => {
    for (const type of ['endpoint.failing', 'endpoint.recovered', 'endpoint.disabled', 'delivery.dead_lettered']) {
      expect(isOperationalEventType(type)).toBe(true);
      expect(subscribes(['*'], type)).toBe(false);
      expect(subscribes([], type)).toBe(false);
      expect(subscribes([type], type)).toBe(true);
      expect(subscribes([`${type.split('.')[0]}.*`], type)).toBe(true);
    }
    expect(subscribes(['*'], 'order.created')).toBe(true);
    expect(isOperationalEventType('order.created')).toBe(false);
  });
});

describe('throttled delivery wait', () => {
  it('waits for the next token plus a random share of one token interval at the first refusal', () => {
    expect(throttledDelayMs(200, 500, 1, 0)).toBe(200);
    expect(throttledDelayMs(200, 500, 1, 0.5)).toBe(450);
  });

  it('doubles the spread with each refusal in a row, up to a cap', () => {
    expect(throttledDelayMs(0, 500, 2, 0.5)).toBe(500);
    expect(throttledDelayMs(0, 500, 3, 0.5)).toBe(1000);
    expect(throttledDelayMs(0, 500, 40, 0.999)).toBeLessThanOrEqual(MAX_THROTTLE_SPREAD_MS);
  });

  it('never answers zero, so the workflow always waits on a timer', () => {
    expect(throttledDelayMs(0, 1, 1, 0)).toBe(1);
  });
});
