import type { EntityManager } from '@mikro-orm/postgresql';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { Delivery, Event } from '../db/entities/index.js';
import { newId } from '../ids.js';
import { subscriptionMatcher } from '../event-types.js';
import { validateEventData, type EventTypeDefinition } from '../catalog/index.js';
import { insertEventWithDeliveries, liveEndpoints, type NewEvent } from '../db/queries/events.js';
import { newDelivery } from './delivery-queue.js';
import type { EventPublish } from '../schemas/events.js';
import { readScope, type Actor } from './actor.js';
import { invalid, notFound, unknownEventType } from './errors.js';

export interface PublishResult {
  event: Pick<Event, 'id' | 'type' | 'createdAt'>;
  deliveries: number;
  /** True when the event existed already (same `id` or Idempotency-Key). */
  replayed: boolean;
}

export interface PublishOptions {
  /** The id to give the event: the one an Idempotency-Key claim reserved for it. */
  eventId?: string | undefined;
  /**
   * An event may exist under `eventId` already: the claim was taken over from a request that died,
   * perhaps after committing it. That event is the answer, not a second one.
   */
  eventMayExist?: boolean;
  /** Work committed in the event's own transaction, or not at all: the stored answer of the key. */
  inTransaction?: (tx: EntityManager, result: PublishResult) => Promise<void>;
}

export interface EventServiceDeps {
  em: EntityManager;
  catalogue: ReadonlyMap<string, EventTypeDefinition>;
  /** The task queue whose dispatchers start the deliveries' workflows. */
  taskQueue: string;
}

export function createEventService({ em, catalogue, taskQueue }: EventServiceDeps) {
  return {
    /**
     * Records an event and one delivery per subscribed endpoint in one transaction; the workers'
     * dispatchers start their workflows, so publishing never waits on Temporal. Disabled endpoints
     * get a `failed` delivery that is never attempted.
     */
    async publish(actor: Actor, input: EventPublish, options: PublishOptions = {}): Promise<PublishResult> {
      const eventType = catalogue.get(input.type);
      if (!eventType) {
        throw unknownEventType(['body', 'type'], input.type);
      }
      const problems = validateEventData(eventType, input.data);
      if (problems.length > 0) throw invalid(`data does not match the schema of "${input.type}"`, problems);
      const key = input.id ?? null;
      const scope = { tenantId: actor.tenantId, environment: actor.environment };
      // How an earlier publish of the same event is found: by the caller's id, else by the reserved one.
      const sameEvent = key ? { ...scope, externalId: key } : options.eventId ? { ...scope, id: options.eventId } : undefined;
      if (key || (sameEvent && options.eventMayExist)) {
        const existing = await em.findOne(Event, sameEvent!);
        if (existing) return { event: existing, deliveries: await em.count(Delivery, { eventId: existing.id, replayOf: null }), replayed: true };
      }

      const takes = subscriptionMatcher(input.type);
      const endpoints = (await liveEndpoints(em, actor.tenantId, actor.environment)).filter((ep) => takes(ep.eventTypes));
      const event: NewEvent = {
        id: options.eventId ?? newId('event'),
        tenantId: actor.tenantId,
        environment: actor.environment,
        type: input.type,
        data: input.data,
        externalId: key,
        createdAt: new Date(),
      };
      const deliveries = endpoints.map((endpoint) => newDelivery({ event, endpoint, taskQueue, now: event.createdAt }));
      const result: PublishResult = { event, deliveries: deliveries.length, replayed: false };
      const { inTransaction } = options;
      try {
        if (inTransaction) {
          await em.transactional(async (tx) => {
            // First, so a claim taken over meanwhile stops this publish before it inserts anything.
            await inTransaction(tx, result);
            await insertEventWithDeliveries(tx, event, deliveries);
          });
        } else {
          await insertEventWithDeliveries(em, event, deliveries);
        }
      } catch (err) {
        // A concurrent publish of the same event won the race: answer with its event.
        if (sameEvent && isUniqueViolation(err)) {
          const fork = em.fork();
          const winner = await fork.findOneOrFail(Event, sameEvent);
          return { event: winner, deliveries: await fork.count(Delivery, { eventId: winner.id, replayOf: null }), replayed: true };
        }
        throw err;
      }
      return result;
    },

    async get(actor: Actor, id: string): Promise<{ event: Event; deliveries: Delivery[] }> {
      const event = await em.findOne(Event, { id, ...readScope(actor) });
      if (!event) throw notFound('event');
      const deliveries = await em.find(Delivery, { eventId: id }, { orderBy: { id: 'asc' } });
      return { event, deliveries };
    },
  };
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof UniqueConstraintViolationException || (err as { code?: string } | null)?.code === '23505';
}
