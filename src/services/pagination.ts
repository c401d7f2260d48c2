import type { EntityManager, EntityName, OrderDefinition } from '@mikro-orm/postgresql';
import { pageRequest } from '../schemas/common.js';

/** Newest-first keyset pagination over prefixed ULIDs, stable while rows are being inserted. */
export interface PageRequest {
  limit: number;
  startingAfter?: string | undefined;
  endingBefore?: string | undefined;
}

export interface Page<T> {
  data: T[];
  hasMore: boolean;
  nextCursor: string | null;
}

/** The id condition and order of a page query. */
export function pageQuery(req: PageRequest): { where: Record<string, unknown>; order: 'asc' | 'desc'; take: number } {
  if (req.endingBefore) return { where: { id: { $gt: req.endingBefore } }, order: 'asc', take: req.limit + 1 };
  if (req.startingAfter) return { where: { id: { $lt: req.startingAfter } }, order: 'desc', take: req.limit + 1 };
  return { where: {}, order: 'desc', take: req.limit + 1 };
}

/** Turns the rows of `pageQuery` (one more than asked, to learn `hasMore`) into a page. */
export function toPage<T extends { id: string }>(rows: T[], req: PageRequest): Page<T> {
  const hasMore = rows.length > req.limit;
  const kept = rows.slice(0, req.limit);
  const data = req.endingBefore ? kept.reverse() : kept;
  const last = data[data.length - 1];
  return { data, hasMore, nextCursor: hasMore && last ? last.id : null };
}

/** The `created_at` condition of a list's `after` (inclusive) and `before` (exclusive) filters. */
export function createdWithin(filter: { after?: string | undefined; before?: string | undefined }): { createdAt?: Record<string, Date> } {
  if (!filter.after && !filter.before) return {};
  return { createdAt: { ...(filter.after && { $gte: new Date(filter.after) }), ...(filter.before && { $lt: new Date(filter.before) }) } };
}

/**
 * One page of a list route: `where` (the caller's filters and read scope) with the page's id
 * condition and `created_at` window, newest first.
 */
export async function findPage<T extends { id: string }>(
  em: EntityManager,
  entity: EntityName<T>,
  query: Parameters<typeof pageRequest>[0] & { after?: string | undefined; before?: string | undefined },
  where: Record<string, unknown>,
): Promise<Page<T>> {
  const page = pageRequest(query);
  const q = pageQuery(page);
  // Every listed entity is keyed by a sortable `id`; the generic T cannot say so to MikroORM's types.
  const orderBy = { id: q.order } as unknown as OrderDefinition<T>;
  const rows = await em.find(entity, { ...where, ...q.where, ...createdWithin(query) }, { orderBy, limit: q.take });
  return toPage(rows, page);
}
