import type { EntityManager } from '@mikro-orm/postgresql';
import type { EndpointStatus, Environment } from '../entities/index.js';

/** What publishing needs of an endpoint: whether it subscribes, and whether it takes deliveries. */
export interface SubscriberRow {
  id: string;
  status: EndpointStatus;
  eventTypes: string[];
}

/** The live (not deleted) endpoints of a tenant's environment, with their subscriptions. */
export async function liveEndpoints(em: EntityManager, tenantId: string, environment: Environment): Promise<SubscriberRow[]> {
  const rows = await em.execute<{ id: string; status: EndpointStatus; event_types: string[] }[]>(
    `select id, status, event_types from endpoints where tenant_id = ? and environment = ? and deleted_at is null`,
    [tenantId, environment],
  );
  return rows.map((r) => ({ id: r.id, status: r.status, eventTypes: r.event_types }));
}

export interface NewEvent {
  id: string;
  tenantId: string;
  environment: Environment;
  type: string;
  data: Record<string, unknown>;
  externalId: string | null;
  createdAt: Date;
}

/** A new delivery's row, as `POST /events` inserts it in bulk and the unit of work does one by one. */
export interface NewDeliveryRow {
  id: string;
  tenantId: string;
  environment: Environment;
  eventId: string;
  endpointId: string;
  eventType: string;
  status: 'pending' | 'failed';
  failureReason: string | null;
  replayOf: string | null;
  dispatchAfter: Date | null;
  dispatchQueue: string | null;
}

/**
 * Inserts an event and its original deliveries in one statement (one round trip, atomic):
 * the hot path of `POST /events`. Throws PostgreSQL's unique violation when an event with the
 * same external id exists. The deliveries' insert trigger wakes the dispatchers.
 */
export async function insertEventWithDeliveries(em: EntityManager, event: NewEvent, deliveries: NewDeliveryRow[]): Promise<void> {
  const eventSql = `insert into events (id, tenant_id, environment, type, data, external_id, test, created_at)
    values (?, ?, ?, ?, ?::jsonb, ?, false, ?)`;
  const eventParams = [event.id, event.tenantId, event.environment, event.type, JSON.stringify(event.data), event.externalId, event.createdAt];
  if (deliveries.length === 0) {
    await em.execute(eventSql, eventParams);
    return;
  }
  const rows = deliveries.map(() => `(?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?::timestamptz, ?::timestamptz, ?::timestamptz)`).join(', ');
  const params = deliveries.flatMap((d) => [
    d.id,
    d.tenantId,
    d.environment,
    d.eventId,
    d.endpointId,
    d.eventType,
    d.status,
    d.failureReason,
    d.dispatchQueue,
    d.replayOf,
    d.dispatchAfter,
    event.createdAt,
    event.createdAt,
  ]);
  await em.execute(
    `with inserted_event as (${eventSql} returning id)
     insert into deliveries (id, tenant_id, environment, event_id, endpoint_id, event_type, status, attempt_count,
                             failure_reason, dispatch_queue, replay_of, dispatch_after, created_at, updated_at)
     select v.* from (values ${rows}) as v
      where exists (select 1 from inserted_event)`,
    [...eventParams, ...params],
  );
}
