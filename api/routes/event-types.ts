import { Router } from '@koa/router';
import type { AppState } from '../context.js';
import { WEBHOOKS_BASE, WEBHOOKS_PREFIX, type RouteTable } from '../route-table.js';
import { presentEventTypes } from '../../src/presenters.js';
import { EventTypeListSchema } from '../../src/schemas/events.js';
import { visibleEventTypes } from '../../src/services/portal-sessions.js';

/** `/event-types`: the catalogue endpoints subscribe from. */
export function eventTypeRoutes(table: RouteTable): Router<AppState> {
  const router = new Router<AppState>({ prefix: WEBHOOKS_PREFIX });
  const route = table.on(router, WEBHOOKS_BASE);

  route(
    {
      method: 'get',
      path: '/event-types',
      operationId: 'listEventTypes',
      summary: 'List event types',
      description: 'The whole catalogue; on the portal, the event types its session offers.',
      tag: 'Events',
      scope: 'manage_webhooks',
      responses: { 200: { description: 'The event-type catalogue', schema: EventTypeListSchema } },
    },
    async (ctx) => {
      ctx.body = presentEventTypes(visibleEventTypes(ctx.state.actor!, ctx.state.services.catalogue));
    },
  );

  return router;
}
