import { Router } from '@koa/router';
import type { AppState } from '../context.js';
import { requireScope } from '../middleware/auth.js';
import { validated } from '../middleware/validate.js';
import { presentAttempt, presentDelivery, presentList } from '../presenters.js';
import { IdParamsSchema, pageRequest } from '../schemas/common.js';
import { DeliveryListQuerySchema } from '../schemas/deliveries.js';

export function deliveryRoutes(): Router<AppState> {
  const router = new Router<AppState>();
  router.use(requireScope('manage_webhooks'));

  router.get(
    '/deliveries',
    validated({ query: DeliveryListQuerySchema }, async (ctx, { query }) => {
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
    }),
  );

  router.get(
    '/deliveries/:id',
    validated({ params: IdParamsSchema }, async (ctx, { params }) => {
      const { services, actor } = ctx.state;
      const { delivery, payload, attempts } = await services.deliveries.get(actor!, params.id);
      ctx.body = { ...presentDelivery(delivery, services.workflows), payload, attempts: attempts.map(presentAttempt) };
    }),
  );

  return router;
}
