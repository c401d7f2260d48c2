import {
  presentCreatedEndpoint,
  presentDeletedEndpoint,
  presentDelivery,
  presentEndpoint,
  presentEndpointStats,
  presentList,
  presentSecretRotation,
  presentVerification,
} from '../presenters.js';
import { listEnvelope } from '../schemas/common.js';
import { DeliverySchema } from '../schemas/deliveries.js';
import {
  EndpointDeletedSchema,
  EndpointRotateSecretSchema,
  EndpointSecretRotatedSchema,
  EndpointStatsQuerySchema,
  EndpointStatsSchema,
  EndpointTestSchema,
} from '../schemas/endpoints.js';
import {
  EndpointCreateSchema,
  EndpointListQuerySchema,
  EndpointSchema,
  EndpointUpdateSchema,
  EndpointWithSecretSchema,
} from '../schemas/endpoints.js';
import { EndpointVerifySchema, VerificationResultSchema } from '../schemas/endpoints.js';
import { defineTool } from './tool.js';

const ENDPOINTS = 'GET /manage/v1/webhooks/endpoints';
const ENDPOINT = '/manage/v1/webhooks/endpoints/{id}';

/** The tools over `/endpoints`: the same services and presenters as the REST handlers. */
export const endpointTools = [
  defineTool({
    name: 'list_webhook_endpoints',
    title: 'List endpoints',
    description: 'Lists the webhook endpoints, newest first, optionally filtered by status or subscribed event type.',
    route: ENDPOINTS,
    scope: 'manage_webhooks',
    // Cross-tenant admin reads (`tenant_id`, `partner_id`) stay on the REST API.
    input: EndpointListQuerySchema.omit({ tenant_id: true, partner_id: true }),
    output: listEnvelope(EndpointSchema),
    annotations: { readOnlyHint: true },
    async run({ services, actor, input }) {
      const page = await services.endpoints.list(actor, input);
      return presentList(page, presentEndpoint);
    },
  }),

  defineTool({
    name: 'get_webhook_endpoint',
    title: 'Get an endpoint',
    description: 'Gets one webhook endpoint (its signing secret is never shown again after create or rotate).',
    route: `GET ${ENDPOINT}`,
    scope: 'manage_webhooks',
    idArgument: 'endpoint_id',
    output: EndpointSchema,
    annotations: { readOnlyHint: true },
    async run({ services, actor, id }) {
      return presentEndpoint(await services.endpoints.get(actor, id));
    },
  }),

  defineTool({
    name: 'create_webhook_endpoint',
    title: 'Create an endpoint',
    description:
      'Registers a webhook endpoint for some event types (omitted or ["*"]: all). Returns the endpoint with its generated signing_secret: shown once, save it to verify delivery signatures.',
    route: 'POST /manage/v1/webhooks/endpoints',
    scope: 'manage_webhooks',
    input: EndpointCreateSchema,
    output: EndpointWithSecretSchema,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
    async run({ services, actor, input }) {
      return presentCreatedEndpoint(await services.endpoints.create(actor, input));
    },
  }),

  defineTool({
    name: 'update_webhook_endpoint',
    title: 'Update an endpoint',
    description:
      'Partial update: url, event_types, description, headers, status (or the active flag) and more. "paused" holds deliveries, "active" resumes them, "disabled" ends them as failed.',
    route: `PATCH ${ENDPOINT}`,
    scope: 'manage_webhooks',
    idArgument: 'endpoint_id',
    input: EndpointUpdateSchema,
    output: EndpointSchema,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
    async run({ services, actor, id, input }) {
      return presentEndpoint(await services.endpoints.update(actor, id, input));
    },
  }),

  defineTool({
    name: 'delete_webhook_endpoint',
    title: 'Delete an endpoint',
    description: 'Soft-deletes an endpoint: no new deliveries; deliveries already under way still complete.',
    route: `DELETE ${ENDPOINT}`,
    scope: 'manage_webhooks',
    idArgument: 'endpoint_id',
    output: EndpointDeletedSchema,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
    async run({ services, actor, id }) {
      return presentDeletedEndpoint(await services.endpoints.delete(actor, id));
    },
  }),

  defineTool({
    name: 'rotate_webhook_secret',
    title: 'Rotate signing secret',
    description:
      'Generates a new signing secret, returned once. The old secret keeps signing deliveries for grace_period_seconds (default 24 hours) so verifiers can roll over.',
    route: `POST ${ENDPOINT}/rotate-secret`,
    scope: 'manage_webhooks',
    idArgument: 'endpoint_id',
    input: EndpointRotateSecretSchema,
    output: EndpointSecretRotatedSchema,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
    async run({ services, actor, id, input }) {
      return presentSecretRotation(await services.endpoints.rotateSecret(actor, id, input));
    },
  }),

  defineTool({
    name: 'send_webhook_test',
    title: 'Send test event',
    description:
      'Sends a synthetic event to this endpoint only, for connectivity testing. It is attempted once; returns the delivery (read it with get_webhook_delivery).',
    route: `POST ${ENDPOINT}/test`,
    scope: 'manage_webhooks',
    idArgument: 'endpoint_id',
    input: EndpointTestSchema,
    output: DeliverySchema,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    async run({ services, actor, id, input }) {
      const delivery = await services.endpoints.sendTest(actor, id, input);
      return presentDelivery(delivery, services.workflows);
    },
  }),

  defineTool({
    name: 'verify_webhook_endpoint',
    title: 'Verify an endpoint',
    description:
      'Re-runs the URL-ownership handshake: a signed POST of {"type": "webhook.verification", "challenge": …} that the receiver must echo within 30 s. Returns {verified, reason?}.',
    route: `POST ${ENDPOINT}/verify`,
    scope: 'manage_webhooks',
    idArgument: 'endpoint_id',
    input: EndpointVerifySchema,
    output: VerificationResultSchema,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    async run({ services, actor, id }) {
      return presentVerification(await services.endpoints.verify(actor, id));
    },
  }),

  defineTool({
    name: 'get_webhook_endpoint_stats',
    title: 'Endpoint statistics',
    description:
      'Delivery counts by status, success rate, attempt latency p50/p95/p99 and the last success and failure of one endpoint over a window (default "24h").',
    route: `GET ${ENDPOINT}/stats`,
    scope: 'manage_webhooks',
    idArgument: 'endpoint_id',
    input: EndpointStatsQuerySchema,
    output: EndpointStatsSchema,
    annotations: { readOnlyHint: true },
    async run({ services, actor, id, input }) {
      return presentEndpointStats(await services.endpoints.stats(actor, id, input.window));
    },
  }),
];
