import { Router } from '@koa/router';
import type { AppState } from '../context.js';
import { WEBHOOKS_BASE, WEBHOOKS_PREFIX, type RouteTable } from '../route-table.js';
import { presentDeletedEndpoint, presentDelivery, presentEndpoint, presentEndpointStats } from '../presenters.js';
import type { Delivery } from '../../src/db/entities/index.js';
import type { SecretRotation } from '../../src/services/endpoints/rotate-secret.js';
import { DeliverySchema } from '../schemas/deliveries.js';
import { EndpointParamsSchema } from '../schemas/endpoints.js';
import {
  EndpointDeletedSchema,
  EndpointDeliveriesPurgedSchema,
  EndpointRotateSecretSchema,
  EndpointSecretRotatedSchema,
  EndpointStatsQuerySchema,
  EndpointStatsSchema,
  EndpointTestSchema,
} from '../schemas/endpoint-actions.js';

/** Delete, rotate-secret, test, stats and history purge of one endpoint. */
export function endpointActionRoutes(table: RouteTable): Router<AppState> {
  const router = new Router<AppState>({ prefix: WEBHOOKS_PREFIX });
  const route = table.on(router, WEBHOOKS_BASE);

  route(
    {
      method: 'delete',
      path: '/endpoints/:id',
      operationId: 'deleteEndpoint',
      summary: 'Delete an endpoint',
      description:
        'Soft delete: the endpoint is no longer listed or found and gets no new deliveries; deliveries already under way still complete.',
      tag: 'Endpoints',
      scope: 'manage_webhooks',
      params: EndpointParamsSchema,
      responses: { 200: { description: 'The endpoint is deleted', schema: EndpointDeletedSchema } },
    },
    async (ctx, { params }) => {
      ctx.body = presentDeletedEndpoint(await ctx.state.services.endpoints.delete(ctx.state.actor!, params.id));
    },
  );

  route(
    {
      method: 'post',
      path: '/endpoints/:id/rotate-secret',
      operationId: 'rotateEndpointSecret',
      summary: "Rotate an endpoint's signing secret",
      description:
        'Returns the new `signing_secret`, shown only here. Until `previous_secret_expires_at` every delivery carries a signature with the previous secret too. The secret is never written to the audit log.',
      tag: 'Endpoints',
      scope: 'manage_webhooks',
      params: EndpointParamsSchema,
      body: EndpointRotateSecretSchema,
      idempotent: true,
      responses: { 200: { description: 'The endpoint and its new signing secret', schema: EndpointSecretRotatedSchema } },
    },
    async (ctx, { params, body }) => {
      const { idempotency } = ctx.state;
      const answer = (rotation: SecretRotation) => ({
        ...presentEndpoint(rotation.endpoint),
        signing_secret: rotation.secret,
        previous_secret_expires_at: rotation.previousSecretExpiresAt?.toISOString() ?? null,
      });
      const rotation = await ctx.state.services.endpoints.rotateSecret(
        ctx.state.actor!,
        params.id,
        { gracePeriodSeconds: body.grace_period_seconds },
        idempotency && ((tx, r) => idempotency.complete(tx, 200, answer(r))),
      );
      ctx.body = answer(rotation);
    },
  );

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
        { eventType: body.event_type },
        idempotency && ((tx, d) => idempotency.complete(tx, 201, answer(d))),
      );
      ctx.status = 201;
      ctx.body = answer(delivery);
    },
  );

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

  return router;
}
