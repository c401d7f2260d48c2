import { describe, it, expect } from 'vitest';
import { parseRetryAfter } from '../../src/delivery/retry-after.js';

const now = Date.parse('2026-11-23T12:00:00Z');

describe('Retry-After parsing', () => {
  it('reads delta seconds as milliseconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('  30 ', now)).toBe(30_000);
  });

  it('reads an HTTP date as the time from now', () => {
    expect(parseRetryAfter('Mon, 23 Nov 2026 12:02:00 GMT', now)).toBe(120_000);
  });

  it('treats an HTTP date in the past as zero', () => {
    expect(parseRetryAfter('Mon, 23 Nov 2026 11:00:00 GMT', now)).toBe(0);
  });

  it('returns undefined for an absent or empty header', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
  });

  it('returns undefined for garbage', () => {
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('later, maybe', now)).toBeUndefined();
    expect(parseRetryAfter('not a date at all', now)).toBeUndefined();
  });

  it('does not read negative or fractional seconds as seconds', () => {
    // Not valid delta-seconds; must not become a negative or fractional wait.
    for (const value of ['-5', '1.5']) {
      const parsed = parseRetryAfter(value, now);
      expect(parsed === undefined || parsed >= 0).toBe(true);
      expect(parsed).not.toBe(1_500);
      expect(parsed).not.toBe(-5_000);
    }
  });
});
