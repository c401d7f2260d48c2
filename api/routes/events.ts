import { Router } from '@koa/router';
import type { AppState } from '../context.js';
import { WEBHOOKS_BASE, WEBHOOKS_PREFIX, type RouteTable } from '../route-table.js';
import { z } from 'zod';
import { presentAcceptedEvent, presentDelivery, presentEvent } from '../../src/presenters.js';
import { IdParamsSchema } from '../../src/schemas/common.js';
import { DeliverySchema } from '../../src/schemas/deliveries.js';
import { EventAcceptedSchema, EventPublishSchema, EventSchema } from '../../src/schemas/events.js';

/** `/events` and `/events/{id}`: publishing and reading events. */
export function eventRoutes(table: RouteTable): Router<AppState> {
  const router = new Router<AppState>({ prefix: WEBHOOKS_PREFIX });
  const route = table.on(router, WEBHOOKS_BASE);

  route(
    {
      method: 'post',
      path: '/events',
      operationId: 'publishEvent',
      summary: 'Publish an event',
      description:
        'Fans the event out to every endpoint of the tenant and environment that subscribes to its type. Idempotent by `Idempotency-Key` or by the event `id`.',
      tag: 'Events',
      scope: 'publish_events',
      body: EventPublishSchema,
      idempotent: { reserves: 'event' },
      responses: { 202: { description: 'Accepted; deliveries are under way', schema: EventAcceptedSchema } },
    },
    async (ctx, { body }) => {
      const held = ctx.state.idempotency;
      // With an Idempotency-Key, the event is published under the id its claim reserved, and the
      // answer is stored in the event's transaction: a crash leaves both or neither.
      const result = await ctx.state.services.events.publish(
        ctx.state.actor!,
        body,
        held && {
          eventId: held.claim.resourceId ?? undefined,
          eventMayExist: held.claim.takenOver,
          inTransaction: (tx, published) => held.complete(tx, 202, presentAcceptedEvent(published)),
        },
      );
      ctx.status = 202;
      if (result.replayed) ctx.set('Idempotent-Replayed', 'true');
      ctx.body = presentAcceptedEvent(result);
    },
  );

  route(
    {
      method: 'get',
      path: '/events/:id',
      operationId: 'getEvent',
      summary: 'Get an event and its deliveries',
      tag: 'Events',
      scope: 'manage_webhooks',
      params: IdParamsSchema,
      responses: { 200: { description: 'The event', schema: EventSchema.extend({ deliveries: z.array(DeliverySchema) }) } },
    },
    async (ctx, { params }) => {
      const { services, actor } = ctx.state;
      const { event, deliveries } = await services.events.get(actor!, params.id);
      ctx.body = { ...presentEvent(event), deliveries: deliveries.map((d) => presentDelivery(d, services.workflows)) };
    },
  );

  return router;
}
