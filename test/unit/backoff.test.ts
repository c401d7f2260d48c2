import { describe, it, expect } from 'vitest';
import { maxAttempts, retryDelayMs, SLOW_DOWN_FLOOR_MS, type BackoffPolicy } from '../../workflows/backoff.js';

const policy: BackoffPolicy = { scheduleSeconds: [5, 300, 1800, 7200], maxIntervalSeconds: 7200, jitter: 0.2 };

describe('retry backoff', () => {
  it('uses the scheduled interval exactly when the random draw is in the middle', () => {
    expect(retryDelayMs(policy, 0, 0.5)).toBe(5_000);
    expect(retryDelayMs(policy, 1, 0.5)).toBe(300_000);
    expect(retryDelayMs(policy, 3, 0.5)).toBe(7_200_000);
  });

  it('keeps jitter within ±20 % of the scheduled interval', () => {
    expect(retryDelayMs(policy, 1, 0)).toBe(240_000);
    expect(retryDelayMs(policy, 1, 0.999999)).toBeLessThanOrEqual(360_000);
    expect(retryDelayMs(policy, 1, 0.999999)).toBeGreaterThan(359_999);
    for (let i = 0; i < 1000; i++) {
      const delay = retryDelayMs(policy, 2, Math.random())!;
      expect(delay).toBeGreaterThanOrEqual(1_800_000 * 0.8);
      expect(delay).toBeLessThanOrEqual(1_800_000 * 1.2);
    }
  });

  it('spreads delays across the jitter range rather than always returning the same value', () => {
    const delays = new Set(Array.from({ length: 50 }, (_, i) => retryDelayMs(policy, 1, i / 50)));
    expect(delays.size).toBe(50);
  });

  it('returns undefined once the schedule is exhausted', () => {
    expect(retryDelayMs(policy, 4, 0.5)).toBeUndefined();
    expect(retryDelayMs(policy, 100, 0.5)).toBeUndefined();
    expect(retryDelayMs({ ...policy, scheduleSeconds: [] }, 0, 0.5)).toBeUndefined();
  });

  it('allows one attempt more than there are intervals', () => {
    expect(maxAttempts(policy)).toBe(5);
    expect(maxAttempts({ ...policy, scheduleSeconds: [] })).toBe(1);
  });

  it('waits at least as long as Retry-After asks', () => {
    expect(retryDelayMs(policy, 0, 0.5, { retryAfterMs: 120_000 })).toBe(120_000);
  });

  it('does not shorten the scheduled wait when Retry-After is shorter', () => {
    expect(retryDelayMs(policy, 1, 0.5, { retryAfterMs: 1_000 })).toBe(300_000);
  });

  it('caps Retry-After at the maximum retry interval', () => {
    expect(retryDelayMs(policy, 0, 0.5, { retryAfterMs: 365 * 24 * 3600 * 1000 })).toBe(7_200_000);
    const tight: BackoffPolicy = { scheduleSeconds: [5, 10], maxIntervalSeconds: 30, jitter: 0.2 };
    expect(retryDelayMs(tight, 0, 0.5, { retryAfterMs: 3_600_000 })).toBe(30_000);
  });

  it('waits at least a minute after a 429 or timeout (slowDown)', () => {
    expect(SLOW_DOWN_FLOOR_MS).toBe(60_000);
    expect(retryDelayMs(policy, 0, 0.5, { slowDown: true })).toBe(60_000);
    expect(retryDelayMs(policy, 0, 0, { slowDown: true })).toBe(60_000);
    // A scheduled wait longer than the floor is kept.
    expect(retryDelayMs(policy, 1, 0.5, { slowDown: true })).toBe(300_000);
  });

  it('caps the slowDown floor at the maximum retry interval', () => {
    const tight: BackoffPolicy = { scheduleSeconds: [5, 10], maxIntervalSeconds: 30, jitter: 0.2 };
    expect(retryDelayMs(tight, 0, 0.5, { slowDown: true })).toBe(30_000);
  });

  it('combines Retry-After and slowDown by taking the longer wait', () => {
    expect(retryDelayMs(policy, 0, 0.5, { slowDown: true, retryAfterMs: 10_000 })).toBe(60_000);
    expect(retryDelayMs(policy, 0, 0.5, { slowDown: true, retryAfterMs: 90_000 })).toBe(90_000);
  });

  it('returns whole milliseconds and never a negative delay', () => {
    const odd: BackoffPolicy = { scheduleSeconds: [0, 1.2345], maxIntervalSeconds: 10, jitter: 0.2 };
    expect(retryDelayMs(odd, 0, 0)).toBe(0);
    expect(Number.isInteger(retryDelayMs(odd, 1, 0.123))).toBe(true);
  });
});
