import type { EntityManager } from '@mikro-orm/postgresql';
import type { ActivityDeps } from './deps.js';

/** A token, in the bucket's unit (thousandths of a token). */
const TOKEN_MILLI = 1000;

/** What the endpoint's bucket answered. */
export type TokenResult = { taken: true } | { taken: false; waitMs: number };

/**
 * Takes one token from the endpoint's bucket, shared by every worker through one row of
 * `endpoint_rate_limits`. The bucket holds at most `ratePerSecond` tokens (the burst) and refills
 * `ratePerSecond` tokens a second by PostgreSQL's clock; refilling and taking are one atomic
 * statement, so two workers never spend the same token. Without a token, answers how long until
 * one will have refilled.
 */
export async function takeToken(em: EntityManager, endpointId: string, ratePerSecond: number): Promise<TokenResult> {
  const capacity = ratePerSecond * TOKEN_MILLI;
  // `ratePerSecond` tokens a second is `ratePerSecond` milli-tokens a millisecond.
  const level = `least(?::bigint, b.tokens_milli + floor(greatest(0, extract(epoch from statement_timestamp() - b.refilled_at)) * ?::numeric)::bigint)`;
  const taken = await em.execute<{ tokens_milli: number }[]>(
    `insert into endpoint_rate_limits as b (endpoint_id, tokens_milli, refilled_at)
     values (?, ?::int - ${TOKEN_MILLI}, statement_timestamp())
     on conflict (endpoint_id) do update
       set tokens_milli = ${level} - ${TOKEN_MILLI}, refilled_at = statement_timestamp()
       where ${level} >= ${TOKEN_MILLI}
     returning tokens_milli`,
    [endpointId, capacity, capacity, capacity, capacity, capacity],
  );
  if (taken.length > 0) return { taken: true };

  // No token: the row was left as it was. How long until the next one is whole?
  const [row] = await em.execute<{ level: string | number }[]>(
    `select ${level} as level from endpoint_rate_limits b where endpoint_id = ?`,
    [capacity, capacity, endpointId],
  );
  const missing = TOKEN_MILLI - Number(row?.level ?? 0);
  return { taken: false, waitMs: Math.max(1, Math.ceil(missing / ratePerSecond)) };
}

/**
 * Per-endpoint rate limiting needs no activity of its own: `attemptDelivery` takes its token
 * with {@link takeToken} just before sending, and the workflow waits out a refusal.
 */
export function createRateLimitActivities(_deps: ActivityDeps) {
  return {};
}
