import { Event, type Delivery } from '../../db/entities/index.js';
import { newId } from '../../ids.js';
import type { Actor } from '../actor.js';
import { audit } from '../audit.js';
import type { ServiceContext } from '../context.js';
import { unknownEventType } from '../errors.js';
import { createDelivery } from '../delivery-queue.js';
import type { StoreAnswer } from '../idempotency.js';
import { TEST_EVENT_TYPE, type EndpointTest } from '../../schemas/endpoints.js';
import { findEndpoint } from './crud.js';

/** `POST /endpoints/{id}/test`. */
export function createTestEvents({ em, workflows, catalogue }: ServiceContext) {
  return {
    /**
     * Sends a synthetic event to this endpoint only: one delivery, attempted once (a test is not
     * retried or dead-lettered). A disabled endpoint records it as `failed`, like any event.
     */
    async sendTest(actor: Actor, id: string, input: EndpointTest, storeAnswer?: StoreAnswer<Delivery>): Promise<Delivery> {
      const type = input.event_type ?? TEST_EVENT_TYPE;
      if (!catalogue.has(type)) {
        throw unknownEventType(['body', 'event_type'], type);
      }
      const endpoint = await findEndpoint(em, actor, id, { forWrite: true });
      return em.transactional(async (tx) => {
        const event = tx.create(Event, {
          id: newId('event'),
          tenantId: actor.tenantId,
          environment: actor.environment,
          type,
          data: { test: true, message: `A test ${type} event sent by Hookline to endpoint ${endpoint.id}.` },
          externalId: null,
          test: true,
        });
        const delivery = createDelivery(tx, { event, endpoint, taskQueue: workflows.taskQueue });
        audit(tx, actor, {
          action: 'endpoint.tested',
          resourceType: 'endpoint',
          resourceId: endpoint.id,
          changes: { event_type: type, event_id: event.id, delivery_id: delivery.id },
        });
        await tx.flush();
        await storeAnswer?.(tx, delivery);
        return delivery;
      });
    },

  };
}
