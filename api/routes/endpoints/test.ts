import type { Delivery } from '../../../src/db/entities/index.js';
import type { Route } from '../../route-table.js';
import { presentDelivery } from '../../../src/presenters.js';
import { DeliverySchema } from '../../../src/schemas/deliveries.js';
import { EndpointTestSchema } from '../../../src/schemas/endpoints.js';
import { EndpointParamsSchema } from '../../../src/schemas/endpoints.js';

/** `POST /endpoints/{id}/test`. */
export function testEventRoutes(route: Route): void {
  route(
    {
      method: 'post',
      path: '/endpoints/:id/test',
      operationId: 'testEndpoint',
      summary: 'Send a test event to an endpoint',
      description:
        'A synthetic event (`"test": true`) to this endpoint only. It is attempted once: `delivered`, or `failed` with `test_delivery_failed`.',
      tag: 'Endpoints',
      scope: 'manage_webhooks',
      params: EndpointParamsSchema,
      body: EndpointTestSchema,
      idempotent: true,
      responses: { 201: { description: 'The test delivery', schema: DeliverySchema } },
    },
    async (ctx, { params, body }) => {
      const { services, actor, idempotency } = ctx.state;
      const answer = (delivery: Delivery) => presentDelivery(delivery, services.workflows);
      const delivery = await services.endpoints.sendTest(
        actor!,
        params.id,
        body,
        idempotency && ((tx, d) => idempotency.complete(tx, 201, answer(d))),
      );
      ctx.status = 201;
      ctx.body = answer(delivery);
    },
  );
}
