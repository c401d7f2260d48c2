import { AuditEntry } from '../db/entities/index.js';
import { readScope, type Actor } from './actor.js';
import type { ServiceContext } from './context.js';
import { findPage, type Page } from './pagination.js';
import type { AuditLogQuery } from '../schemas/audit-log.js';

/** Reading the audit log of the actor's tenant and environment, newest first. */
export function createAuditLogService({ em }: ServiceContext) {
  return {
    async list(actor: Actor, query: AuditLogQuery): Promise<Page<AuditEntry>> {
      const where: Record<string, unknown> = readScope(actor);
      if (query.resource_id) where.resourceId = query.resource_id;
      if (query.resource_type) where.resourceType = query.resource_type;
      if (query.action) where.action = query.action;
      return findPage(em, AuditEntry, query, where);
    },
  };
}
