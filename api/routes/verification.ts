import { Router } from '@koa/router';
import type { AppState } from '../context.js';
import { WEBHOOKS_BASE, WEBHOOKS_PREFIX, type RouteTable } from '../route-table.js';
import { EndpointParamsSchema } from '../schemas/endpoints.js';
import { EndpointVerifySchema, VerificationResultSchema } from '../schemas/verification.js';

export function verificationRoutes(table: RouteTable): Router<AppState> {
  const router = new Router<AppState>({ prefix: WEBHOOKS_PREFIX });
  const route = table.on(router, WEBHOOKS_BASE);

  route(
    {
      method: 'post',
      path: '/endpoints/:id/verify',
      operationId: 'verifyEndpoint',
      summary: 'Re-run the URL-ownership handshake',
      description:
        'POSTs a signed `{"type": "webhook.verification", "challenge": "…"}` to the endpoint URL; the receiver must answer 2xx with JSON echoing `challenge` within the limit (30 s by default). The result is also recorded as the endpoint\'s `verification`.',
      tag: 'Endpoints',
      scope: 'manage_webhooks',
      params: EndpointParamsSchema,
      body: EndpointVerifySchema,
      responses: { 200: { description: 'Whether the receiver proved it owns the URL', schema: VerificationResultSchema } },
    },
    async (ctx, { params }) => {
      const result = await ctx.state.services.endpoints.verify(ctx.state.actor!, params.id);
      ctx.body = { verified: result.verified, ...(result.reason !== undefined && { reason: result.reason }) };
    },
  );

  return router;
}
