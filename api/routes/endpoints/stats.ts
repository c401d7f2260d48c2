import type { Route } from '../../route-table.js';
import { presentEndpointStats } from '../../../src/presenters.js';
import { EndpointStatsQuerySchema, EndpointStatsSchema } from '../../../src/schemas/endpoints.js';
import { EndpointParamsSchema } from '../../../src/schemas/endpoints.js';

/** `GET /endpoints/{id}/stats`. */
export function statsRoutes(route: Route): void {
  route(
    {
      method: 'get',
      path: '/endpoints/:id/stats',
      operationId: 'getEndpointStats',
      summary: "An endpoint's delivery statistics",
      description:
        'Counts of the deliveries created within `window`, their success rate, and the latency percentiles and last success and failure of the attempts started within it.',
      tag: 'Endpoints',
      scope: 'manage_webhooks',
      params: EndpointParamsSchema,
      query: EndpointStatsQuerySchema,
      responses: { 200: { description: 'The statistics', schema: EndpointStatsSchema } },
    },
    async (ctx, { params, query }) => {
      ctx.body = presentEndpointStats(await ctx.state.services.endpoints.stats(ctx.state.actor!, params.id, query.window));
    },
  );
}
