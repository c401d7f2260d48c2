import { defineEntity, p } from '@mikro-orm/core';
import { ENVIRONMENTS } from './api-key.js';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'dead_letter'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
/** A delivery in one of these will not be attempted again: its history may be purged. */
export const FINISHED_DELIVERY_STATUSES = ['delivered', 'failed', 'dead_letter'] as const satisfies readonly DeliveryStatus[];

const DeliverySchema = defineEntity({
  name: 'Delivery',
  tableName: 'deliveries',
  properties: {
    id: p.string().length(40).primary(),
    tenantId: p.string().length(64),
    environment: p.enum(ENVIRONMENTS),
    eventId: p.string().length(40),
    endpointId: p.string().length(40),
    eventType: p.string().length(200),
    status: p.enum(DELIVERY_STATUSES).default('pending'),
    attemptCount: p.integer().default(0),
    nextAttemptAt: p.datetime().nullable(),
    lastResponseStatus: p.integer().nullable(),
    deliveredAt: p.datetime().nullable(),
    replayOf: p.string().length(40).nullable(),
    failureReason: p.string().length(64).nullable(),
    /**
     * Set while the delivery's workflow is yet to be started: the dispatcher claims rows whose
     * time has come (pushing it on by a lease) and clears it once the workflow runs.
     */
    dispatchAfter: p.datetime().nullable(),
    /** The task queue whose dispatchers start the workflow (deployments may share a database). */
    dispatchQueue: p.string().length(200).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
  indexes: [
    { properties: ['tenantId', 'environment', 'id'] },
    { properties: ['endpointId', 'id'] },
    { properties: ['eventId'] },
    { properties: ['status', 'createdAt'] },
  ],
  // One event creates at most one original delivery per endpoint; replays are extra rows.
  uniques: [{ name: 'deliveries_original_unique', properties: ['eventId', 'endpointId'], where: { replayOf: null } }],
});

export class Delivery extends DeliverySchema.class {}
DeliverySchema.setClass(Delivery);
