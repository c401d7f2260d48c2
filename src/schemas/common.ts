import { z } from 'zod';

/** The instants PostgreSQL and `Date#toISOString` agree on: years 0001 to 9999, in UTC. */
const EARLIEST_TIMESTAMP_MS = Date.parse('0001-01-01T00:00:00Z');
const LATEST_TIMESTAMP_MS = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * An ISO 8601 timestamp with its offset, whose instant falls in the years 0001 to 9999 UTC: the
 * value reaches the database as `toISOString()`, which writes year 0 as `0000` (PostgreSQL has no
 * year 0) and years past 9999 as `+010000` (which it reads as a bad zone), so an offset that
 * carries `0001-01-01T00:00:00+01:00` or `9999-12-31T23:00:00-02:00` over the edge would fail
 * in the database instead of here.
 */
export const TimestampSchema = z.iso
  // A malformed value stops at its own issue: the range is checked only for well-formed ones.
  .datetime({ offset: true, abort: true })
  .refine((value) => {
    const ms = Date.parse(value);
    return ms >= EARLIEST_TIMESTAMP_MS && ms <= LATEST_TIMESTAMP_MS;
  }, 'a timestamp between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z');

/** `limit`, `starting_after`, `ending_before` and `cursor` (an alias of `starting_after`). */
export const PaginationQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  starting_after: z.string().max(64).optional(),
  ending_before: z.string().max(64).optional(),
  cursor: z.string().max(64).optional(),
  /** Admin only: read another tenant's (or a partner's tenants') resources. */
  tenant_id: z.string().max(64).optional(),
  partner_id: z.string().max(64).optional(),
});

export function pageRequest(q: z.infer<typeof PaginationQuerySchema>) {
  return { limit: q.limit, startingAfter: q.starting_after ?? q.cursor, endingBefore: q.ending_before };
}

export const IdParamsSchema = z.object({ id: z.string().min(1).max(64) });

/** A JSON object of bounded size, for `metadata` and event `data`. */
export const JsonObjectSchema = z.record(z.string().max(200), z.unknown());

export const listEnvelope = <T extends z.ZodType>(item: T) =>
  z.object({
    object: z.literal('list'),
    data: z.array(item),
    has_more: z.boolean(),
    next_cursor: z.string().nullable(),
  });

/**
 * An http:// or https:// URL of at most 2048 characters, without credentials in it;
 * `credentialsMessage` says why (and where they go instead).
 */
export const httpUrl = (credentialsMessage: string) =>
  z
    .string()
    .max(2048)
    .url()
    .refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL')
    .refine((u) => {
      const parsed = URL.parse(u);
      return !parsed || (parsed.username === '' && parsed.password === '');
    }, credentialsMessage);
