import { Router } from '@koa/router';
import type { AppState } from '../context.js';
import { requireScope } from '../middleware/auth.js';
import { validated } from '../middleware/validate.js';
import { presentDelivery, presentEndpoint, presentList } from '../presenters.js';
import { pageRequest } from '../schemas/common.js';
import { DeliveryListQuerySchema } from '../schemas/deliveries.js';
import {
  EndpointCreateSchema,
  EndpointListQuerySchema,
  EndpointParamsSchema,
  EndpointUpdateSchema,
} from '../schemas/endpoints.js';

export function endpointRoutes(): Router<AppState> {
  const router = new Router<AppState>();
  router.use(requireScope('manage_webhooks'));

  router.get(
    '/endpoints',
    validated({ query: EndpointListQuerySchema }, async (ctx, { query }) => {
      const page = await ctx.state.services.endpoints.list(ctx.state.actor!, {
        ...pageRequest(query),
        status: query.status,
        eventType: query.event_type,
      });
      ctx.body = presentList(page, presentEndpoint);
    }),
  );

  router.post(
    '/endpoints',
    validated({ body: EndpointCreateSchema }, async (ctx, { body }) => {
      const { endpoint, secret } = await ctx.state.services.endpoints.create(ctx.state.actor!, body);
      ctx.status = 201;
      ctx.body = { ...presentEndpoint(endpoint), signing_secret: secret };
    }),
  );

  router.get(
    '/endpoints/:id',
    validated({ params: EndpointParamsSchema }, async (ctx, { params }) => {
      ctx.body = presentEndpoint(await ctx.state.services.endpoints.get(ctx.state.actor!, params.id));
    }),
  );

  router.patch(
    '/endpoints/:id',
    validated({ params: EndpointParamsSchema, body: EndpointUpdateSchema }, async (ctx, { params, body }) => {
      ctx.body = presentEndpoint(await ctx.state.services.endpoints.update(ctx.state.actor!, params.id, body));
    }),
  );

  router.get(
    '/endpoints/:id/deliveries',
    validated({ params: EndpointParamsSchema, query: DeliveryListQuerySchema.omit({ endpoint_id: true }) }, async (ctx, { params, query }) => {
      const { services, actor } = ctx.state;
      await services.endpoints.get(actor!, params.id);
      const page = await services.deliveries.list(actor!, {
        ...pageRequest(query),
        endpointId: params.id,
        status: query.status,
        eventType: query.event_type,
        after: query.after ? new Date(query.after) : undefined,
        before: query.before ? new Date(query.before) : undefined,
      });
      ctx.body = presentList(page, (d) => presentDelivery(d, services.workflows));
    }),
  );

  return router;
}
