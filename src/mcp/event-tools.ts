import { presentAcceptedEvent, presentEventTypes } from '../presenters.js';
import { EventAcceptedSchema, EventPublishSchema, EventTypeListSchema } from '../schemas/events.js';
import { defineTool } from './tool.js';

/** The tools over `/events` and `/event-types`: the same services as the REST handlers. */
export const eventTools = [
  defineTool({
    name: 'list_webhook_event_types',
    title: 'List event types',
    description: 'Lists every event type an endpoint can subscribe to, with a short description and, where there is one, the JSON Schema of its data.',
    route: 'GET /manage/v1/webhooks/event-types',
    scope: 'manage_webhooks',
    output: EventTypeListSchema,
    annotations: { readOnlyHint: true },
    async run({ services }) {
      return presentEventTypes(services.catalogue);
    },
  }),

  defineTool({
    name: 'publish_webhook_event',
    title: 'Publish an event',
    description:
      'Publishes an event of a catalogue type; it fans out to every endpoint subscribed to the type. Idempotent by the optional event id. Returns the event id and how many deliveries it made.',
    route: 'POST /manage/v1/webhooks/events',
    scope: 'publish_events',
    input: EventPublishSchema,
    output: EventAcceptedSchema,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    async run({ services, actor, input }) {
      return presentAcceptedEvent(await services.events.publish(actor, input));
    },
  }),
];
