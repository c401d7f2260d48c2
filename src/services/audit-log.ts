import { AuditEntry } from '../db/entities/index.js';
import { readScope, type Actor } from './actor.js';
import type { ServiceContext } from './context.js';
import { pageQuery, toPage, type Page, type PageRequest } from './pagination.js';

export interface AuditLogFilter extends PageRequest {
  resourceId?: string | undefined;
  resourceType?: string | undefined;
  action?: string | undefined;
  /** Entries created at or after this time. */
  after?: Date | undefined;
  /** Entries created before this time. */
  before?: Date | undefined;
}

/** Reading the audit log of the actor's tenant and environment, newest first. */
export function createAuditLogService({ em }: ServiceContext) {
  return {
    async list(actor: Actor, filter: AuditLogFilter): Promise<Page<AuditEntry>> {
      const q = pageQuery(filter);
      const where: Record<string, unknown> = { ...q.where, ...readScope(actor) };
      if (filter.resourceId) where.resourceId = filter.resourceId;
      if (filter.resourceType) where.resourceType = filter.resourceType;
      if (filter.action) where.action = filter.action;
      if (filter.after || filter.before) {
        where.createdAt = { ...(filter.after && { $gte: filter.after }), ...(filter.before && { $lt: filter.before }) };
      }
      const rows = await em.find(AuditEntry, where, { orderBy: { id: q.order }, limit: q.take });
      return toPage(rows, filter);
    },
  };
}
