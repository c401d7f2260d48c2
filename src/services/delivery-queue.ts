import type { EntityManager } from '@mikro-orm/postgresql';
import { Delivery, type EndpointStatus, type Environment } from '../db/entities/index.js';
import { newId } from '../ids.js';
import type { NewDeliveryRow } from '../db/queries/events.js';

export type { NewDeliveryRow } from '../db/queries/events.js';

/** What a new delivery is made of: which event goes to which endpoint, and what it replays. */
export interface DeliveryToCreate {
  event: { id: string; tenantId: string; environment: Environment; type: string };
  endpoint: { id: string; status: EndpointStatus };
  /** The delivery this one replays (same event, same `webhook-id`); null for an original. */
  replayOf?: string | null;
  /** The task queue whose dispatchers start the workflow. */
  taskQueue: string;
  now?: Date;
}

/**
 * The one definition of how a delivery starts out, for publish, test events, replays and
 * recovery. A pending delivery joins the dispatch queue of `taskQueue`: once its transaction
 * commits, a worker's dispatcher starts its workflow, so nothing that creates deliveries waits on
 * Temporal. A disabled endpoint's delivery is recorded `failed` (`endpoint_disabled`) and never
 * attempted, so `recover` can send it once the endpoint is enabled again.
 */
export function newDelivery({ event, endpoint, replayOf = null, taskQueue, now = new Date() }: DeliveryToCreate): NewDeliveryRow {
  const queued = endpoint.status !== 'disabled';
  return {
    id: newId('delivery'),
    tenantId: event.tenantId,
    environment: event.environment,
    eventId: event.id,
    endpointId: endpoint.id,
    eventType: event.type,
    status: queued ? 'pending' : 'failed',
    failureReason: queued ? null : 'endpoint_disabled',
    replayOf,
    dispatchAfter: queued ? now : null,
    dispatchQueue: queued ? taskQueue : null,
  };
}

/** {@link newDelivery}, added to the unit of work of `em`. */
export function createDelivery(em: EntityManager, input: DeliveryToCreate): Delivery {
  return em.create(Delivery, newDelivery(input));
}

/**
 * Puts committed pending deliveries whose workflow is missing back on the dispatch queue, so they
 * start the way every delivery starts: a retry that found no workflow to signal, and the
 * reconciler after a Temporal server lost its state. Returns how many were queued.
 */
export async function requeueDeliveries(em: EntityManager, deliveryIds: readonly string[], taskQueue: string): Promise<number> {
  if (deliveryIds.length === 0) return 0;
  const queued = await em.execute<{ id: string }[]>(
    `update deliveries set dispatch_after = now(), dispatch_queue = ?
      where id in (${deliveryIds.map(() => '?').join(', ')}) and status = 'pending'
      returning id`,
    [taskQueue, ...deliveryIds],
  );
  return queued.length;
}
