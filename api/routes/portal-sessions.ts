import { Router } from '@koa/router';
import type { AppState } from '../context.js';
import { MANAGE_PREFIX, type RouteTable } from '../route-table.js';
import { partnerOf } from '../middleware/auth.js';
import { presentCreatedPortalSession, presentPortalSession } from '../../src/presenters.js';
import {
  PortalSessionCreatedSchema,
  PortalSessionCreateSchema,
  PortalSessionParamsSchema,
  PortalSessionSchema,
} from '../../src/schemas/portal-sessions.js';

/** `/portal-sessions`: links to the customer portal, made by the platform for one tenant's customer. */
export function portalSessionRoutes(table: RouteTable, deps: { publicUrl?: string | undefined }): Router<AppState> {
  const router = new Router<AppState>();
  const route = table.on(router, MANAGE_PREFIX);

  route(
    {
      method: 'post',
      path: '/portal-sessions',
      operationId: 'createPortalSession',
      summary: 'Create a customer portal session',
      description:
        "Returns a short-lived `token` and the portal's `url` (`<base>/portal#token=…`) to open or embed in an iframe, for the caller's tenant " +
        "or, with the `admin` scope, `tenant_id`'s. The token is accepted only by the portal's own routes (`/portal/v1`), never by this API; " +
        'it is shown only here. Everything done through the portal is audited as `portal:<session id>`.',
      tag: 'Portal',
      scope: 'manage_webhooks',
      body: PortalSessionCreateSchema,
      responses: { 201: { description: 'The session, its token and its URL', schema: PortalSessionCreatedSchema } },
    },
    async (ctx, { body }) => {
      const { services, actor } = ctx.state;
      const created = await services.portalSessions.create(actor!, body, partnerOf(actor!));
      ctx.status = 201;
      ctx.body = presentCreatedPortalSession(created, deps.publicUrl ?? `${ctx.protocol}://${ctx.host}`);
    },
  );

  route(
    {
      method: 'get',
      path: '/portal-sessions/:id',
      operationId: 'getPortalSession',
      summary: 'Get a customer portal session',
      description: 'The session without its token.',
      tag: 'Portal',
      scope: 'manage_webhooks',
      params: PortalSessionParamsSchema,
      responses: { 200: { description: 'The session', schema: PortalSessionSchema } },
    },
    async (ctx, { params }) => {
      const { services, actor } = ctx.state;
      ctx.body = presentPortalSession(await services.portalSessions.get(actor!, params.id, partnerOf(actor!)));
    },
  );

  route(
    {
      method: 'delete',
      path: '/portal-sessions/:id',
      operationId: 'revokePortalSession',
      summary: 'Revoke a customer portal session',
      description: 'Its token stops working at once; the portal shows the customer that the link was revoked. Revoking again changes nothing.',
      tag: 'Portal',
      scope: 'manage_webhooks',
      params: PortalSessionParamsSchema,
      responses: { 200: { description: 'The revoked session', schema: PortalSessionSchema } },
    },
    async (ctx, { params }) => {
      const { services, actor } = ctx.state;
      ctx.body = presentPortalSession(await services.portalSessions.revoke(actor!, params.id, partnerOf(actor!)));
    },
  );

  return router;
}
