import { Router } from '@koa/router';
import type { AppState } from '../context.js';
import { requireScope } from '../middleware/auth.js';
import { validated } from '../middleware/validate.js';
import { presentDelivery, presentEvent } from '../presenters.js';
import { IdParamsSchema } from '../schemas/common.js';
import { EventPublishSchema } from '../schemas/events.js';

export function eventRoutes(): Router<AppState> {
  const router = new Router<AppState>();

  router.post(
    '/events',
    requireScope('publish_events'),
    validated({ body: EventPublishSchema }, async (ctx, { body }) => {
      const key = ctx.get('idempotency-key') || undefined;
      const result = await ctx.state.services.events.publish(ctx.state.actor!, body, key);
      ctx.status = 202;
      if (result.replayed) ctx.set('Idempotent-Replayed', 'true');
      ctx.body = {
        id: result.event.id,
        object: 'event',
        type: result.event.type,
        created_at: result.event.createdAt.toISOString(),
        deliveries: result.deliveries,
      };
    }),
  );

  router.get(
    '/events/:id',
    requireScope('manage_webhooks'),
    validated({ params: IdParamsSchema }, async (ctx, { params }) => {
      const { services, actor } = ctx.state;
      const { event, deliveries } = await services.events.get(actor!, params.id);
      ctx.body = { ...presentEvent(event), deliveries: deliveries.map((d) => presentDelivery(d, services.workflows)) };
    }),
  );

  router.get('/event-types', requireScope('manage_webhooks'), async (ctx) => {
    ctx.body = {
      object: 'list',
      data: ctx.state.services.catalogue.map((t) => ({ name: t.name, description: t.description, ...(t.schema && { schema: t.schema }) })),
      has_more: false,
      next_cursor: null,
    };
  });

  return router;
}
