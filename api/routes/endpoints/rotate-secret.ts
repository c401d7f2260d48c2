import type { Route } from '../../route-table.js';
import { presentSecretRotation } from '../../../src/presenters.js';
import { EndpointRotateSecretSchema, EndpointSecretRotatedSchema } from '../../../src/schemas/endpoints.js';
import { EndpointParamsSchema } from '../../../src/schemas/endpoints.js';

/** `POST /endpoints/{id}/rotate-secret`. */
export function rotateSecretRoutes(route: Route): void {
  route(
    {
      method: 'post',
      path: '/endpoints/:id/rotate-secret',
      operationId: 'rotateEndpointSecret',
      summary: "Rotate an endpoint's signing secret",
      description:
        'Returns the new `signing_secret`, shown only here. Until `previous_secret_expires_at` every delivery carries a signature with the previous secret too. The secret is never written to the audit log.',
      tag: 'Endpoints',
      scope: 'manage_webhooks',
      params: EndpointParamsSchema,
      body: EndpointRotateSecretSchema,
      idempotent: true,
      responses: { 200: { description: 'The endpoint and its new signing secret', schema: EndpointSecretRotatedSchema } },
    },
    async (ctx, { params, body }) => {
      const { idempotency } = ctx.state;
      const answer = presentSecretRotation;
      const rotation = await ctx.state.services.endpoints.rotateSecret(
        ctx.state.actor!,
        params.id,
        body,
        idempotency && ((tx, r) => idempotency.complete(tx, 200, answer(r))),
      );
      ctx.body = answer(rotation);
    },
  );
}
