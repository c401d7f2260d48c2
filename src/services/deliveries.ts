import type { EntityManager } from '@mikro-orm/postgresql';
import { Attempt, Delivery, Endpoint, Event } from '../db/entities/index.js';
import { readScope, writeScope, type Actor } from './actor.js';
import { audit } from './audit.js';
import type { ServiceContext } from './context.js';
import { createDelivery, requeueDeliveries } from './delivery-queue.js';
import { notFound, unprocessable } from './errors.js';
import type { StoreAnswer } from './idempotency.js';
import { findPage, type Page } from './pagination.js';
import type { DeliveryListQuery } from '../schemas/deliveries.js';
import { webhookBody } from './payload.js';

/** What `retry` did: woke a pending delivery's workflow, or replayed a finished one. */
export type RetryOutcome = { kind: 'attempting'; delivery: Delivery } | { kind: 'replayed'; delivery: Delivery };

export interface DeliveryDetail {
  delivery: Delivery;
  payload: unknown;
  attempts: Attempt[];
}

/** Only finished, unsuccessful deliveries can be replayed. */
function assertReplayable(delivery: Delivery): void {
  if (delivery.status === 'pending') {
    throw unprocessable('delivery_in_flight', 'the delivery is still under way; retry it instead, or wait until it ends');
  }
  if (delivery.status === 'delivered') {
    throw unprocessable('invalid_state', 'the delivery was delivered; only failed or dead-lettered deliveries can be replayed');
  }
}

/**
 * The endpoint a replay goes to. A deleted endpoint takes no new deliveries (soft delete), so its
 * deliveries cannot be replayed. A disabled one is refused too: the replay could only end
 * `failed` with `endpoint_disabled`, and under recover's one-replay-per-original rule that
 * useless replay would keep the original from being recovered once the endpoint is enabled
 * again. A paused endpoint is accepted: the replay is held until it resumes.
 */
export function assertReplayTarget(endpoint: Endpoint | null): Endpoint {
  if (!endpoint || endpoint.deletedAt) {
    throw unprocessable('endpoint_deleted', 'the endpoint of this delivery was deleted; its deliveries cannot be replayed');
  }
  if (endpoint.status === 'disabled') {
    throw unprocessable('endpoint_disabled', 'the endpoint is disabled; enable it before replaying its deliveries');
  }
  return endpoint;
}

/** A new delivery of the same event to the same endpoint; receivers see the same `webhook-id`. */
export function createReplay(em: EntityManager, original: Delivery, endpoint: Endpoint, taskQueue: string): Delivery {
  const event = { id: original.eventId, tenantId: original.tenantId, environment: original.environment, type: original.eventType };
  return createDelivery(em, { event, endpoint, replayOf: original.id, taskQueue });
}

async function findDelivery(em: EntityManager, actor: Actor, id: string): Promise<Delivery> {
  const delivery = await em.findOne(Delivery, { id, ...writeScope(actor) });
  if (!delivery) throw notFound('delivery');
  return delivery;
}

/** Listing and reading deliveries, and replay and retry of one. */
export function createDeliveryService({ em, workflows }: Pick<ServiceContext, 'em' | 'workflows'>) {
  async function replayOne(
    actor: Actor,
    original: Delivery,
    action: 'delivery.replayed' | 'delivery.retried',
    storeAnswer?: StoreAnswer<Delivery>,
  ): Promise<Delivery> {
    assertReplayable(original);
    const endpoint = assertReplayTarget(await em.findOne(Endpoint, { id: original.endpointId }));
    return em.transactional(async (tx) => {
      const replay = createReplay(tx, original, endpoint, workflows.taskQueue);
      audit(tx, actor, {
        action,
        resourceType: 'delivery',
        resourceId: original.id,
        changes: { replay_of: original.id, replay_id: replay.id },
      });
      await tx.flush();
      await storeAnswer?.(tx, replay);
      return replay;
    });
  }


  return {
    async list(actor: Actor, query: DeliveryListQuery): Promise<Page<Delivery>> {
      const where: Record<string, unknown> = readScope(actor);
      if (query.endpoint_id) where.endpointId = query.endpoint_id;
      if (query.status) where.status = query.status;
      if (query.event_type) where.eventType = query.event_type;
      return findPage(em, Delivery, query, where);
    },

    async get(actor: Actor, id: string): Promise<DeliveryDetail> {
      const delivery = await em.findOne(Delivery, { id, ...readScope(actor) });
      if (!delivery) throw notFound('delivery');
      const [event, attempts] = await Promise.all([
        em.findOneOrFail(Event, { id: delivery.eventId }),
        em.find(Attempt, { deliveryId: id }, { orderBy: { attempt: 'asc', id: 'asc' } }),
      ]);
      return { delivery, payload: JSON.parse(webhookBody(event)), attempts };
    },

    /**
     * Sends a `failed` or `dead_letter` delivery again as a new delivery (`replay_of` set) with
     * the same event, so receivers get the same `webhook-id` and can dedupe.
     */
    async replay(actor: Actor, id: string, storeAnswer?: StoreAnswer<Delivery>): Promise<Delivery> {
      return replayOne(actor, await findDelivery(em, actor, id), 'delivery.replayed', storeAnswer);
    },

    /**
     * A pending delivery waiting out a backoff is attempted now (its workflow is signalled, or
     * started if it is missing); a finished unsuccessful one is replayed. A delivery held by a
     * paused endpoint stays held: the attempt finds the endpoint paused.
     */
    async retry(actor: Actor, id: string, storeAnswer?: StoreAnswer<RetryOutcome>): Promise<RetryOutcome> {
      const delivery = await findDelivery(em, actor, id);
      if (delivery.status !== 'pending') {
        const store = storeAnswer && ((tx: EntityManager, replay: Delivery) => storeAnswer(tx, { kind: 'replayed', delivery: replay }));
        return { kind: 'replayed', delivery: await replayOne(actor, delivery, 'delivery.retried', store) };
      }
      if (!(await workflows.signal(delivery.id, 'attemptNow'))) {
        // No workflow yet (its start failed after the commit): started like any new delivery, it attempts at once.
        await requeueDeliveries(em, [delivery.id], workflows.taskQueue);
      }
      const outcome: RetryOutcome = { kind: 'attempting', delivery };
      await em.transactional(async (tx) => {
        audit(tx, actor, {
          action: 'delivery.retried',
          resourceType: 'delivery',
          resourceId: delivery.id,
          changes: { attempt_now: true },
        });
        await tx.flush();
        await storeAnswer?.(tx, outcome);
      });
      return outcome;
    },
  };
}
