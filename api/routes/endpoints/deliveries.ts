import type { Route } from '../../route-table.js';
import { presentDelivery, presentList } from '../../../src/presenters.js';
import { listEnvelope } from '../../../src/schemas/common.js';
import { DeliveryListQuerySchema, DeliverySchema } from '../../../src/schemas/deliveries.js';
import { EndpointDeliveriesPurgedSchema } from '../../../src/schemas/endpoints.js';
import { EndpointParamsSchema } from '../../../src/schemas/endpoints.js';

/** `GET` and `DELETE /endpoints/{id}/deliveries`: one endpoint's delivery history. */
export function endpointDeliveryRoutes(route: Route): void {
  route(
    {
      method: 'get',
      path: '/endpoints/:id/deliveries',
      operationId: 'listEndpointDeliveries',
      summary: "List an endpoint's deliveries",
      tag: 'Deliveries',
      scope: 'manage_webhooks',
      params: EndpointParamsSchema,
      query: DeliveryListQuerySchema.omit({ endpoint_id: true }),
      responses: { 200: { description: 'A page of deliveries, newest first', schema: listEnvelope(DeliverySchema) } },
    },
    async (ctx, { params, query }) => {
      const { services, actor } = ctx.state;
      const page = await services.endpoints.listDeliveries(actor!, params.id, query);
      ctx.body = presentList(page, (d) => presentDelivery(d, services.workflows));
    },
  );

  route(
    {
      method: 'delete',
      path: '/endpoints/:id/deliveries',
      operationId: 'purgeEndpointDeliveries',
      summary: "Purge an endpoint's delivery history",
      description: 'Deletes its delivered, failed and dead-lettered deliveries with their attempts; deliveries under way are kept.',
      tag: 'Deliveries',
      scope: 'manage_webhooks',
      params: EndpointParamsSchema,
      responses: { 200: { description: 'How many deliveries were deleted', schema: EndpointDeliveriesPurgedSchema } },
    },
    async (ctx, { params }) => {
      ctx.body = { deleted: await ctx.state.services.endpoints.purgeDeliveries(ctx.state.actor!, params.id) };
    },
  );
}
