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

export interface NewDelivery {
  id: string;
  endpointId: string;
  /** `pending` deliveries join the dispatch queue of `taskQueue`; `failed` ones never run. */
  status: 'pending' | 'failed';
  failureReason: string | null;
}

/**
 * Inserts an event and its original deliveries in one statement (one round trip, atomic):
 * the hot path of `POST /events`. Throws PostgreSQL's unique violation when an event with the
 * same external id exists. The deliveries' insert trigger wakes the dispatchers.
 */
export async function insertEventWithDeliveries(em: EntityManager, event: NewEvent, deliveries: NewDelivery[], taskQueue: string): Promise<void> {
  const eventSql = `insert into events (id, tenant_id, environment, type, data, external_id, test, created_at)
    values (?, ?, ?, ?, ?::jsonb, ?, false, ?)`;
  const eventParams = [event.id, event.tenantId, event.environment, event.type, JSON.stringify(event.data), event.externalId, event.createdAt];
  if (deliveries.length === 0) {
    await em.execute(eventSql, eventParams);
    return;
  }
  const rows = deliveries.map(() => `(?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?::timestamptz, ?::timestamptz, ?::timestamptz)`).join(', ');
  const params = deliveries.flatMap((d) => {
    const pending = d.status === 'pending';
    return [
      d.id,
      event.tenantId,
      event.environment,
      event.id,
      d.endpointId,
      event.type,
      d.status,
      d.failureReason,
      pending ? taskQueue : null,
      null,
      pending ? event.createdAt : null,
      event.createdAt,
      event.createdAt,
    ];
  });
  await em.execute(
    `with inserted_event as (${eventSql} returning id)
     insert into deliveries (id, tenant_id, environment, event_id, endpoint_id, event_type, status, attempt_count,
                             failure_reason, dispatch_queue, replay_of, dispatch_after, created_at, updated_at)
     select v.* from (values ${rows}) as v
      where exists (select 1 from inserted_event)`,
    [...eventParams, ...params],
  );
}
