import { presentVerification } from '../../../src/presenters.js';
import type { Route } from '../../route-table.js';
import { EndpointParamsSchema } from '../../../src/schemas/endpoints.js';
import { EndpointVerifySchema, VerificationResultSchema } from '../../../src/schemas/endpoints.js';

/** `POST /endpoints/{id}/verify`. */
export function verifyRoutes(route: Route): void {
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
      ctx.body = presentVerification(result);
    },
  );
}
