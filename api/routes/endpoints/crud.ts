import type { Route } from '../../route-table.js';
import { presentCreatedEndpoint, presentDeletedEndpoint, presentEndpoint, presentList } from '../../../src/presenters.js';
import { listEnvelope } from '../../../src/schemas/common.js';
import { EndpointDeletedSchema } from '../../../src/schemas/endpoints.js';
import {
  EndpointCreateSchema,
  EndpointListQuerySchema,
  EndpointParamsSchema,
  EndpointSchema,
  EndpointUpdateSchema,
  EndpointWithSecretSchema,
} from '../../../src/schemas/endpoints.js';

/** `/endpoints` and `/endpoints/{id}`: list, create, get, update and soft delete. */
export function endpointCrudRoutes(route: Route): void {
  route(
    {
      method: 'get',
      path: '/endpoints',
      operationId: 'listEndpoints',
      summary: 'List endpoints',
      tag: 'Endpoints',
      scope: 'manage_webhooks',
      query: EndpointListQuerySchema,
      responses: { 200: { description: 'A page of endpoints, newest first', schema: listEnvelope(EndpointSchema) } },
    },
    async (ctx, { query }) => {
      const page = await ctx.state.services.endpoints.list(ctx.state.actor!, query);
      ctx.body = presentList(page, presentEndpoint);
    },
  );

  route(
    {
      method: 'post',
      path: '/endpoints',
      operationId: 'createEndpoint',
      summary: 'Create an endpoint',
      description: 'Returns the endpoint with its `signing_secret`, shown only here and on rotation.',
      tag: 'Endpoints',
      scope: 'manage_webhooks',
      body: EndpointCreateSchema,
      idempotent: true,
      responses: { 201: { description: 'The new endpoint and its signing secret', schema: EndpointWithSecretSchema } },
    },
    async (ctx, { body }) => {
      const held = ctx.state.idempotency;
      const answer = presentCreatedEndpoint;
      // With an Idempotency-Key the answer is stored in the endpoint's transaction: a crash leaves both or neither.
      const created = await ctx.state.services.endpoints.create(ctx.state.actor!, body, {
        ...(held && { inTransaction: (tx, c) => held.complete(tx, 201, answer(c)) }),
      });
      ctx.status = 201;
      ctx.body = answer(created);
    },
  );

  route(
    {
      method: 'get',
      path: '/endpoints/:id',
      operationId: 'getEndpoint',
      summary: 'Get an endpoint',
      tag: 'Endpoints',
      scope: 'manage_webhooks',
      params: EndpointParamsSchema,
      responses: { 200: { description: 'The endpoint', schema: EndpointSchema } },
    },
    async (ctx, { params }) => {
      ctx.body = presentEndpoint(await ctx.state.services.endpoints.get(ctx.state.actor!, params.id));
    },
  );

  route(
    {
      method: 'patch',
      path: '/endpoints/:id',
      operationId: 'updateEndpoint',
      summary: 'Update an endpoint',
      description:
        'Partial update. `status` (or the `active` shorthand) reaches in-flight deliveries: `paused` holds them, `active` releases them, `disabled` ends them as failed.',
      tag: 'Endpoints',
      scope: 'manage_webhooks',
      params: EndpointParamsSchema,
      body: EndpointUpdateSchema,
      responses: { 200: { description: 'The updated endpoint', schema: EndpointSchema } },
    },
    async (ctx, { params, body }) => {
      ctx.body = presentEndpoint(await ctx.state.services.endpoints.update(ctx.state.actor!, params.id, body));
    },
  );

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
}
