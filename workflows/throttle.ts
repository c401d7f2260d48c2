/** However long a delivery has been losing the race for its endpoint's tokens, it looks again within this. */
export const MAX_THROTTLE_SPREAD_MS = 30_000;

/**
 * How long a throttled delivery waits before it asks for a token again: until the next token
 * has refilled (`waitMs`), plus a random share of a spread that doubles with each refusal in a
 * row (one token interval at first). Deliveries queued on one endpoint thus wake at different
 * times instead of all at once, and the more of them compete, the less often each one asks.
 * `random` is a value in [0, 1).
 */
export function throttledDelayMs(waitMs: number, tokenIntervalMs: number, refusals: number, random: number): number {
  const spread = Math.min(tokenIntervalMs * 2 ** Math.max(0, Math.min(refusals - 1, 20)), MAX_THROTTLE_SPREAD_MS);
  return Math.max(1, Math.round(waitMs + random * spread));
}
