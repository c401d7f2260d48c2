import { Router } from '@koa/router';
import type { AppState } from '../context.js';
import { WEBHOOKS_BASE, WEBHOOKS_PREFIX, type RouteTable } from '../route-table.js';
import type { Delivery } from '../../src/db/entities/index.js';
import type { RetryOutcome } from '../../src/services/deliveries.js';
import { presentAttempt, presentDelivery, presentList } from '../../src/presenters.js';
import { IdParamsSchema, listEnvelope } from '../../src/schemas/common.js';
import { DeliveryActionBodySchema, DeliveryDetailSchema, DeliveryListQuerySchema, DeliverySchema } from '../../src/schemas/deliveries.js';

/** `/deliveries`, `/deliveries/{id}` and its replay and retry. */
export function deliveryRoutes(table: RouteTable): Router<AppState> {
  const router = new Router<AppState>({ prefix: WEBHOOKS_PREFIX });
  const route = table.on(router, WEBHOOKS_BASE);

  route(
    {
      method: 'get',
      path: '/deliveries',
      operationId: 'listDeliveries',
      summary: 'List deliveries',
      tag: 'Deliveries',
      scope: 'manage_webhooks',
      query: DeliveryListQuerySchema,
      responses: { 200: { description: 'A page of deliveries, newest first', schema: listEnvelope(DeliverySchema) } },
    },
    async (ctx, { query }) => {
      const { services, actor } = ctx.state;
      const page = await services.deliveries.list(actor!, query);
      ctx.body = presentList(page, (d) => presentDelivery(d, services.workflows));
    },
  );

  route(
    {
      method: 'get',
      path: '/deliveries/:id',
      operationId: 'getDelivery',
      summary: 'Get a delivery with its payload and attempts',
      tag: 'Deliveries',
      scope: 'manage_webhooks',
      params: IdParamsSchema,
      responses: { 200: { description: 'The delivery', schema: DeliveryDetailSchema } },
    },
    async (ctx, { params }) => {
      const { services, actor } = ctx.state;
      const { delivery, payload, attempts } = await services.deliveries.get(actor!, params.id);
      ctx.body = { ...presentDelivery(delivery, services.workflows), payload, attempts: attempts.map(presentAttempt) };
    },
  );

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

  return router;
}
