import { Router } from '@koa/router';
import type { AppState } from '../context.js';
import { WEBHOOKS_BASE, WEBHOOKS_PREFIX, type RouteTable } from '../route-table.js';
import { presentDelivery } from '../presenters.js';
import type { Delivery } from '../../src/db/entities/index.js';
import type { RetryOutcome } from '../../src/services/deliveries.js';
import { IdParamsSchema } from '../schemas/common.js';
import { DeliverySchema } from '../schemas/deliveries.js';
import { DeliveryActionBodySchema, EndpointRecoverResultSchema, EndpointRecoverSchema } from '../schemas/delivery-actions.js';

/** Replay and retry of deliveries, and recovery of an endpoint's failed deliveries. */
export function deliveryActionRoutes(table: RouteTable): Router<AppState> {
  const router = new Router<AppState>({ prefix: WEBHOOKS_PREFIX });
  const route = table.on(router, WEBHOOKS_BASE);

  route(
    {
      method: 'post',
      path: '/deliveries/:id/replay',
      operationId: 'replayDelivery',
      summary: 'Replay a delivery',
      description:
        'Sends a `failed` or `dead_letter` delivery again as a new delivery (`replay_of` set) with the same payload and `webhook-id`. ' +
        'A pending delivery is a 422 `delivery_in_flight`, a delivered one a 422 `invalid_state`; ' +
        'deliveries of a deleted or disabled endpoint cannot be replayed (422 `endpoint_deleted` / `endpoint_disabled`).',
      tag: 'Deliveries',
      scope: 'manage_webhooks',
      params: IdParamsSchema,
      body: DeliveryActionBodySchema,
      idempotent: true,
      responses: { 201: { description: 'The new delivery, under way', schema: DeliverySchema } },
    },
    async (ctx, { params }) => {
      const { services, actor, idempotency } = ctx.state;
      const answer = (replay: Delivery) => presentDelivery(replay, services.workflows);
      const replay = await services.deliveries.replay(actor!, params.id, idempotency && ((tx, r) => idempotency.complete(tx, 201, answer(r))));
      ctx.status = 201;
      ctx.body = answer(replay);
    },
  );

  route(
    {
      method: 'post',
      path: '/deliveries/:id/retry',
      operationId: 'retryDelivery',
      summary: 'Retry a delivery now',
      description:
        'A `pending` delivery waiting out a backoff is attempted now (202, the delivery). ' +
        'A `failed` or `dead_letter` delivery is replayed (201, the new delivery). A delivered one is a 422 `invalid_state`.',
      tag: 'Deliveries',
      scope: 'manage_webhooks',
      params: IdParamsSchema,
      body: DeliveryActionBodySchema,
      idempotent: true,
      responses: {
        201: { description: 'The delivery had ended: the new delivery replaying it', schema: DeliverySchema },
        202: { description: 'The pending delivery, to be attempted at once', schema: DeliverySchema },
      },
    },
    async (ctx, { params }) => {
      const { services, actor, idempotency } = ctx.state;
      const status = (o: RetryOutcome) => (o.kind === 'replayed' ? 201 : 202);
      const answer = (o: RetryOutcome) => presentDelivery(o.delivery, services.workflows);
      const outcome = await services.deliveries.retry(actor!, params.id, idempotency && ((tx, o) => idempotency.complete(tx, status(o), answer(o))));
      ctx.status = status(outcome);
      ctx.body = answer(outcome);
    },
  );

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
      params: IdParamsSchema,
      body: EndpointRecoverSchema,
      idempotent: true,
      responses: { 200: { description: 'How many deliveries were replayed', schema: EndpointRecoverResultSchema } },
    },
    async (ctx, { params, body }) => {
      const { idempotency } = ctx.state;
      const window = { since: new Date(body.since), until: body.until === undefined ? undefined : new Date(body.until) };
      const replayed = await ctx.state.services.endpoints.recover(
        ctx.state.actor!,
        params.id,
        window,
        idempotency && ((tx, n) => idempotency.complete(tx, 200, { replayed: n })),
      );
      ctx.body = { replayed };
    },
  );

  return router;
}
