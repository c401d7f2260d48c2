import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Delivery, Endpoint, Event } from '../db/entities/index.js';
import { newId } from '../ids.js';
import type { Actor } from './actor.js';
import { audit } from './audit.js';
import type { ServiceContext } from './context.js';
import { AppError, invalid, notFound } from './errors.js';
import type { StoreAnswer } from './idempotency.js';

/** What `retry` did: woke a pending delivery's workflow, or replayed a finished one. */
export type RetryOutcome = { kind: 'attempting'; delivery: Delivery } | { kind: 'replayed'; delivery: Delivery };

export interface RecoverWindow {
  since: Date;
  /** Defaults to now. */
  until?: Date | undefined;
}

/** Rows looked up per `$in` query, well under PostgreSQL's parameter limit. */
const IN_CHUNK = 1000;

/**
 * Mutations act on the actor's own tenant only: an admin's cross-tenant read scope
 * (`readTenantIds`) does not reach replays.
 */
function ownScope(actor: Actor) {
  return { tenantId: actor.tenantId, environment: actor.environment };
}

async function findDelivery(em: EntityManager, actor: Actor, id: string): Promise<Delivery> {
  const delivery = await em.findOne(Delivery, { id, ...ownScope(actor) });
  if (!delivery) throw notFound('delivery');
  return delivery;
}

/** Only finished, unsuccessful deliveries can be replayed. */
function assertReplayable(delivery: Delivery): void {
  if (delivery.status === 'pending') {
    throw new AppError(422, 'delivery_in_flight', 'the delivery is still under way; retry it instead, or wait until it ends');
  }
  if (delivery.status === 'delivered') {
    throw new AppError(422, 'invalid_state', 'the delivery was delivered; only failed or dead-lettered deliveries can be replayed');
  }
}

/**
 * The endpoint a replay goes to. A deleted endpoint takes no new deliveries (soft delete), so its
 * deliveries cannot be replayed. A disabled one is refused too: the replay could only end
 * `failed` with `endpoint_disabled`, and under recover's one-replay-per-original rule that
 * useless replay would keep the original from being recovered once the endpoint is enabled
 * again. A paused endpoint is accepted: the replay is held until it resumes.
 */
function assertTarget(endpoint: Endpoint | null): Endpoint {
  if (!endpoint || endpoint.deletedAt) {
    throw new AppError(422, 'endpoint_deleted', 'the endpoint of this delivery was deleted; its deliveries cannot be replayed');
  }
  if (endpoint.status === 'disabled') {
    throw new AppError(422, 'endpoint_disabled', 'the endpoint is disabled; enable it before replaying its deliveries');
  }
  return endpoint;
}

/** A new pending delivery of the same event to the same endpoint; receivers see the same `webhook-id`. */
function createReplay(em: EntityManager, original: Delivery, taskQueue: string): Delivery {
  return em.create(Delivery, {
    id: newId('delivery'),
    tenantId: original.tenantId,
    environment: original.environment,
    eventId: original.eventId,
    endpointId: original.endpointId,
    eventType: original.eventType,
    status: 'pending',
    failureReason: null,
    replayOf: original.id,
    dispatchAfter: new Date(),
    dispatchQueue: taskQueue,
  });
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Replay, retry and recover of deliveries. */
export function createReplayService({ em, workflows }: ServiceContext) {
  async function replayOne(
    actor: Actor,
    original: Delivery,
    action: 'delivery.replayed' | 'delivery.retried',
    storeAnswer?: StoreAnswer<Delivery>,
  ): Promise<Delivery> {
    assertReplayable(original);
    assertTarget(await em.findOne(Endpoint, { id: original.endpointId }));
    return em.transactional(async (tx) => {
      const replay = createReplay(tx, original, workflows.taskQueue);
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
        // No workflow yet (its start failed after the commit): starting it attempts at once.
        const endpoint = await em.findOne(Endpoint, { id: delivery.endpointId });
        await workflows.start(delivery, endpoint?.url ?? '');
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

    /**
     * Replays every `failed` or `dead_letter` original delivery (not itself a replay) of the
     * endpoint created in `[since, until)` that has not been replayed yet, so calling it twice
     * over the same window replays each original once. Deliveries of synthetic test events are
     * left alone. Returns how many were replayed.
     */
    async recover(actor: Actor, endpointId: string, window: RecoverWindow, storeAnswer?: StoreAnswer<number>): Promise<number> {
      const until = window.until ?? new Date();
      if (window.since >= until) {
        throw invalid('the recovery window is empty', [
          { loc: ['body', 'since'], msg: 'must be before "until" (default: now)', type: 'value_error.window' },
        ]);
      }
      const endpoint = await em.findOne(Endpoint, { id: endpointId, ...ownScope(actor), deletedAt: null });
      if (!endpoint) throw notFound('endpoint');
      assertTarget(endpoint);

      const replays = await em.transactional(async (tx) => {
        // Concurrent recovers of one endpoint take turns, so none replays an original twice.
        await tx.findOneOrFail(Endpoint, { id: endpoint.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        const originals = await tx.find(
          Delivery,
          {
            endpointId: endpoint.id,
            ...ownScope(actor),
            replayOf: null,
            status: { $in: ['failed', 'dead_letter'] },
            createdAt: { $gte: window.since, $lt: until },
          },
          { orderBy: { id: 'asc' } },
        );
        const skip = new Set<string>();
        for (const part of chunks(originals, IN_CHUNK)) {
          const ids = part.map((d) => d.id);
          const replayed = await tx.find(Delivery, { replayOf: { $in: ids } }, { fields: ['id', 'replayOf'] });
          for (const r of replayed) if (r.replayOf) skip.add(r.replayOf);
          const eventIds = [...new Set(part.map((d) => d.eventId))];
          const testEvents = await tx.find(Event, { id: { $in: eventIds }, test: true }, { fields: ['id'] });
          const testIds = new Set(testEvents.map((e) => e.id));
          for (const d of part) if (testIds.has(d.eventId)) skip.add(d.id);
        }
        const created = originals.filter((d) => !skip.has(d.id)).map((d) => createReplay(tx, d, workflows.taskQueue));
        audit(tx, actor, {
          action: 'endpoint.recovered_deliveries',
          resourceType: 'endpoint',
          resourceId: endpoint.id,
          changes: { since: window.since.toISOString(), until: until.toISOString(), replayed: created.length },
        });
        await tx.flush();
        await storeAnswer?.(tx, created.length);
        return created;
      });
      return replays.length;
    },
  };
}
