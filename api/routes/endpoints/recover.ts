import type { Route } from '../../route-table.js';
import { EndpointParamsSchema, EndpointRecoverResultSchema, EndpointRecoverSchema } from '../../../src/schemas/endpoints.js';

/** `POST /endpoints/{id}/recover`: replays of the endpoint's failed deliveries. */
export function recoverRoutes(route: Route): void {
  route(
    {
      method: 'post',
      path: '/endpoints/:id/recover',
      operationId: 'recoverEndpointDeliveries',
      summary: "Replay an endpoint's failed deliveries",
      description:
        'Replays every `failed` or `dead_letter` original delivery of the endpoint created in `[since, until)` ' +
        '(`until` defaults to now) that has not been replayed yet: at most one replay per original, so a second call ' +
        'over the same window replays nothing new.',
      tag: 'Deliveries',
      scope: 'manage_webhooks',
      params: EndpointParamsSchema,
      body: EndpointRecoverSchema,
      idempotent: true,
      responses: { 200: { description: 'How many deliveries were replayed', schema: EndpointRecoverResultSchema } },
    },
    async (ctx, { params, body }) => {
      const { idempotency } = ctx.state;
      const replayed = await ctx.state.services.endpoints.recover(
        ctx.state.actor!,
        params.id,
        body,
        idempotency && ((tx, n) => idempotency.complete(tx, 200, { replayed: n })),
      );
      ctx.body = { replayed };
    },
  );
}
