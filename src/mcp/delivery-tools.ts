import { presentAttempt, presentDelivery, presentList } from '../presenters.js';
import { listEnvelope } from '../schemas/common.js';
import { DeliveryActionBodySchema, DeliveryDetailSchema, DeliveryListQuerySchema, DeliverySchema } from '../schemas/deliveries.js';
import { defineTool } from './tool.js';

const DELIVERY = '/manage/v1/webhooks/deliveries/{id}';

/** The tools over `/deliveries`: the same services and presenters as the REST handlers. */
export const deliveryTools = [
  defineTool({
    name: 'list_webhook_deliveries',
    title: 'List deliveries',
    description:
      'Lists deliveries, newest first, filtered by endpoint_id, status (pending, delivered, failed, dead_letter), event_type or created_at (after, before).',
    route: 'GET /manage/v1/webhooks/deliveries',
    scope: 'manage_webhooks',
    // Cross-tenant admin reads (`tenant_id`, `partner_id`) stay on the REST API.
    input: DeliveryListQuerySchema.omit({ tenant_id: true, partner_id: true }),
    output: listEnvelope(DeliverySchema),
    annotations: { readOnlyHint: true },
    async run({ services, actor, input }) {
      const page = await services.deliveries.list(actor, input);
      return presentList(page, (d) => presentDelivery(d, services.workflows));
    },
  }),

  defineTool({
    name: 'get_webhook_delivery',
    title: 'Get a delivery',
    description: 'Gets one delivery with its payload, response status, response body and attempt history.',
    route: `GET ${DELIVERY}`,
    scope: 'manage_webhooks',
    idArgument: 'delivery_id',
    output: DeliveryDetailSchema,
    annotations: { readOnlyHint: true },
    async run({ services, actor, id }) {
      const { delivery, payload, attempts } = await services.deliveries.get(actor, id);
      return { ...presentDelivery(delivery, services.workflows), payload, attempts: attempts.map(presentAttempt) };
    },
  }),

  defineTool({
    name: 'replay_webhook_delivery',
    title: 'Replay a delivery',
    description:
      'Re-sends the same payload (same webhook-id) of a failed or dead_letter delivery as a new delivery with replay_of set. Useful after fixing an endpoint outage.',
    route: `POST ${DELIVERY}/replay`,
    scope: 'manage_webhooks',
    idArgument: 'delivery_id',
    input: DeliveryActionBodySchema,
    output: DeliverySchema,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    async run({ services, actor, id }) {
      return presentDelivery(await services.deliveries.replay(actor, id), services.workflows);
    },
  }),
];
