import type { EntityManager } from '@mikro-orm/postgresql';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { Delivery, Endpoint, Event } from '../db/entities/index.js';
import { newId } from '../ids.js';
import { subscribes } from '../event-types.js';
import { validateEventData, type EventTypeDefinition } from '../catalog/index.js';
import type { DeliveryWorkflows } from '../temporal/client.js';
import type { Logger } from '../logger.js';
import { readScope, type Actor } from './actor.js';
import { invalid, notFound } from './errors.js';

export interface PublishInput {
  type: string;
  data: Record<string, unknown>;
  id?: string | undefined;
}

export interface PublishResult {
  event: Event;
  deliveries: number;
  /** True when the event existed already (same `id` or Idempotency-Key). */
  replayed: boolean;
}

export interface EventServiceDeps {
  em: EntityManager;
  workflows: DeliveryWorkflows;
  catalogue: ReadonlyMap<string, EventTypeDefinition>;
  logger: Logger;
}

/** Starts the workflows of freshly committed deliveries. A failure here is repaired by the reconciler. */
export async function startDeliveries(
  workflows: DeliveryWorkflows,
  items: { delivery: Delivery; url: string }[],
  logger: Logger,
): Promise<void> {
  const batch = 64;
  for (let i = 0; i < items.length; i += batch) {
    await Promise.all(
      items.slice(i, i + batch).map(({ delivery, url }) =>
        workflows.start(delivery, url).catch((err: unknown) => {
          logger.error({ err, deliveryId: delivery.id }, 'could not start delivery workflow; the reconciler will');
        }),
      ),
    );
  }
}

/**
 * The delivery of an event to one endpoint, added to the unit of work. A disabled endpoint's
 * delivery is recorded as `failed` (`endpoint_disabled`) and never attempted, so `recover` can
 * send it once the endpoint is enabled again.
 */
export function createOriginalDelivery(
  em: EntityManager,
  event: Pick<Event, 'id' | 'tenantId' | 'environment' | 'type'>,
  endpoint: Pick<Endpoint, 'id' | 'status'>,
): Delivery {
  const disabled = endpoint.status === 'disabled';
  return em.create(Delivery, {
    id: newId('delivery'),
    tenantId: event.tenantId,
    environment: event.environment,
    eventId: event.id,
    endpointId: endpoint.id,
    eventType: event.type,
    status: disabled ? 'failed' : 'pending',
    failureReason: disabled ? 'endpoint_disabled' : null,
    replayOf: null,
  });
}

export function createEventService({ em, workflows, catalogue, logger }: EventServiceDeps) {
  return {
    /**
     * Records an event and one delivery per subscribed endpoint in one transaction, then starts
     * the delivery workflows. Disabled endpoints get a `failed` delivery that is never attempted.
     */
    async publish(actor: Actor, input: PublishInput): Promise<PublishResult> {
      const eventType = catalogue.get(input.type);
      if (!eventType) {
        throw invalid('unknown event type', [
          { loc: ['body', 'type'], msg: `"${input.type}" is not in the event-type catalogue`, type: 'value_error.event_type' },
        ]);
      }
      const problems = validateEventData(eventType, input.data);
      if (problems.length > 0) throw invalid(`data does not match the schema of "${input.type}"`, problems);
      const key = input.id ?? null;
      if (key) {
        const existing = await em.findOne(Event, { tenantId: actor.tenantId, environment: actor.environment, externalId: key });
        if (existing) return { event: existing, deliveries: await em.count(Delivery, { eventId: existing.id, replayOf: null }), replayed: true };
      }

      const endpoints = (
        await em.find(Endpoint, { tenantId: actor.tenantId, environment: actor.environment, deletedAt: null })
      ).filter((ep) => subscribes(ep.eventTypes, input.type));

      const event = em.create(Event, {
        id: newId('event'),
        tenantId: actor.tenantId,
        environment: actor.environment,
        type: input.type,
        data: input.data,
        externalId: key,
        test: false,
      });
      const toStart: { delivery: Delivery; url: string }[] = [];
      for (const endpoint of endpoints) {
        const delivery = createOriginalDelivery(em, event, endpoint);
        if (delivery.status === 'pending') toStart.push({ delivery, url: endpoint.url });
      }
      try {
        await em.flush();
      } catch (err) {
        // A concurrent publish with the same id won the race: answer with its event.
        if (key && err instanceof UniqueConstraintViolationException) {
          const fork = em.fork();
          const winner = await fork.findOneOrFail(Event, { tenantId: actor.tenantId, environment: actor.environment, externalId: key });
          return { event: winner, deliveries: await fork.count(Delivery, { eventId: winner.id, replayOf: null }), replayed: true };
        }
        throw err;
      }
      await startDeliveries(workflows, toStart, logger);
      return { event, deliveries: endpoints.length, replayed: false };
    },

    async get(actor: Actor, id: string): Promise<{ event: Event; deliveries: Delivery[] }> {
      const event = await em.findOne(Event, { id, ...readScope(actor) });
      if (!event) throw notFound('event');
      const deliveries = await em.find(Delivery, { eventId: id }, { orderBy: { id: 'asc' } });
      return { event, deliveries };
    },
  };
}
