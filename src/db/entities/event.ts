import { defineEntity, p } from '@mikro-orm/core';
import { ENVIRONMENTS } from './api-key.js';

const EventSchema = defineEntity({
  name: 'Event',
  tableName: 'events',
  properties: {
    id: p.string().length(40).primary(),
    tenantId: p.string().length(64),
    environment: p.enum(ENVIRONMENTS),
    type: p.string().length(200),
    data: p.json<Record<string, unknown>>(),
    /** The publisher's own id or Idempotency-Key: one event per value. */
    externalId: p.string().length(255).nullable(),
    /** Synthetic events of `POST /endpoints/{id}/test`. */
    test: p.boolean().default(false),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [{ properties: ['tenantId', 'environment', 'id'] }],
  uniques: [{ name: 'events_external_id_unique', properties: ['tenantId', 'environment', 'externalId'] }],
});

export class Event extends EventSchema.class {}
EventSchema.setClass(Event);
