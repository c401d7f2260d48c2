import { z } from 'zod';

/**
 * An ISO 8601 timestamp with its offset, from year 0001 on: PostgreSQL has no year 0, and a
 * filter on it would fail in the database instead of here.
 */
export const TimestampSchema = z.iso
  .datetime({ offset: true })
  // Only a well-formed timestamp is checked here; a malformed one has its own issue already.
  .refine((value) => !/^\d{4}-/.test(value) || Number(value.slice(0, 4)) >= 1, 'a timestamp from the year 0001 on');

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
