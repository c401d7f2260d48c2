import { Router } from '@koa/router';
import type { AppState } from '../context.js';
import { WEBHOOKS_BASE, WEBHOOKS_PREFIX, type RouteTable } from '../route-table.js';
import { presentAttempt, presentDelivery, presentList } from '../presenters.js';
import { IdParamsSchema, listEnvelope, pageRequest } from '../schemas/common.js';
import { DeliveryDetailSchema, DeliveryListQuerySchema, DeliverySchema } from '../schemas/deliveries.js';

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
      const page = await services.deliveries.list(actor!, {
        ...pageRequest(query),
        endpointId: query.endpoint_id,
        status: query.status,
        eventType: query.event_type,
        after: query.after ? new Date(query.after) : undefined,
        before: query.before ? new Date(query.before) : undefined,
      });
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

  return router;
}
