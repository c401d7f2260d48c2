import { Router } from '@koa/router';
import type { AppState } from '../context.js';
import { MANAGE_PREFIX, type RouteTable } from '../route-table.js';
import { presentAuditEntry, presentList } from '../../src/presenters.js';
import { AuditEntrySchema, AuditLogQuerySchema } from '../../src/schemas/audit-log.js';
import { listEnvelope } from '../../src/schemas/common.js';

/** `GET /manage/v1/audit-log`: served beside the webhooks resources, not under them. */
export function auditLogRoutes(table: RouteTable): Router<AppState> {
  const router = new Router<AppState>();
  const route = table.on(router, MANAGE_PREFIX);

  route(
    {
      method: 'get',
      path: '/audit-log',
      operationId: 'listAuditLog',
      summary: 'List audit entries',
      description:
        "Every mutation of the caller's tenant and environment, newest first. Filters: `resource_id`, `resource_type`, " +
        '`action`, and a `created_at` window (`after` inclusive, `before` exclusive). Secrets never appear in `changes`.',
      tag: 'Audit log',
      scope: 'manage_webhooks',
      query: AuditLogQuerySchema,
      responses: { 200: { description: 'A page of audit entries, newest first', schema: listEnvelope(AuditEntrySchema) } },
    },
    async (ctx, { query }) => {
      const page = await ctx.state.services.auditLog.list(ctx.state.actor!, query);
      ctx.body = presentList(page, presentAuditEntry);
    },
  );

  return router;
}
