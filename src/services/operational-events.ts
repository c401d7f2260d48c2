import type { Orm } from '../db/orm.js';
import type { Environment } from '../db/entities/index.js';
import type { EventTypeDefinition } from '../catalog/index.js';
import type { OperationalEventType } from '../event-types.js';
import type { DeliveryWorkflows } from '../temporal/client.js';
import type { Logger } from '../logger.js';
import type { Actor } from './actor.js';
import { createEventService } from './events.js';

/** The endpoint an operational event is about: its tenant and environment receive the event. */
export interface EndpointRef {
  id: string;
  tenantId: string;
  environment: Environment;
}

/**
 * One operational event. `data` carries ids, counts and reasons only — never a payload, a
 * response body or a secret. `key` makes publishing idempotent (it becomes the event's
 * external id), so an activity that runs twice announces once.
 */
export interface OperationalEvent {
  type: OperationalEventType;
  endpoint: EndpointRef;
  key: string;
  data: Record<string, unknown>;
}

export interface OperationalEventPublisher {
  /** Publishes the event to the tenant's subscribed endpoints. Never throws: a failure is logged. */
  publish(event: OperationalEvent): Promise<void>;
}

export interface OperationalEventDeps {
  orm: Orm;
  workflows: DeliveryWorkflows;
  catalogue: readonly EventTypeDefinition[];
  logger: Logger;
}

/** Who publishes operational events and disables failing endpoints, in audit entries. */
export function systemActor(endpoint: Pick<EndpointRef, 'tenantId' | 'environment'>): Actor {
  return { tenantId: endpoint.tenantId, environment: endpoint.environment, scopes: ['publish_events'], name: 'system', requestId: null };
}

/**
 * Publishes Hookline's own events through the ordinary event service, so they fan out (and are
 * delivered, signed and retried) like any other event.
 */
export function createOperationalEventPublisher(deps: OperationalEventDeps): OperationalEventPublisher {
  const catalogue = new Map(deps.catalogue.map((t) => [t.name, t]));
  return {
    async publish(event) {
      const events = createEventService({ em: deps.orm.em.fork(), catalogue, taskQueue: deps.workflows.taskQueue });
      try {
        await events.publish(systemActor(event.endpoint), { type: event.type, data: event.data, id: `hookline:${event.key}` });
      } catch (err) {
        deps.logger.error({ err, type: event.type, endpointId: event.endpoint.id }, 'could not publish an operational event');
      }
    },
  };
}

/** `endpoint.failing`: the endpoint failed this many attempts in a row. */
export function endpointFailingEvent(
  endpoint: EndpointRef,
  run: { consecutiveFailures: number; failingSince: Date; deliveryId: string; eventType: string; responseStatus: number | null },
): OperationalEvent {
  return {
    type: 'endpoint.failing',
    endpoint,
    key: `endpoint.failing:${endpoint.id}:${run.failingSince.getTime()}`,
    data: {
      endpoint_id: endpoint.id,
      consecutive_failures: run.consecutiveFailures,
      failing_since: run.failingSince.toISOString(),
      last_delivery_id: run.deliveryId,
      last_event_type: run.eventType,
      last_response_status: run.responseStatus,
    },
  };
}

/** `endpoint.recovered`: the first success after a failing run that was announced. */
export function endpointRecoveredEvent(
  endpoint: EndpointRef,
  run: { consecutiveFailures: number; failingSince: Date; recoveredAt: Date; deliveryId: string; eventType: string },
): OperationalEvent {
  return {
    type: 'endpoint.recovered',
    endpoint,
    key: `endpoint.recovered:${endpoint.id}:${run.failingSince.getTime()}`,
    data: {
      endpoint_id: endpoint.id,
      failed_attempts: run.consecutiveFailures,
      failing_since: run.failingSince.toISOString(),
      recovered_at: run.recoveredAt.toISOString(),
      delivery_id: run.deliveryId,
      event_type: run.eventType,
    },
  };
}

/** `endpoint.disabled`: by a 410 Gone (`gone`) or after failing for too long (`failing`). */
export function endpointDisabledEvent(
  endpoint: EndpointRef,
  cause:
    | { reason: 'gone'; deliveryId: string; eventType: string }
    | { reason: 'failing'; consecutiveFailures: number; failingSince: Date },
): OperationalEvent {
  const detail =
    cause.reason === 'gone'
      ? { delivery_id: cause.deliveryId, event_type: cause.eventType }
      : { consecutive_failures: cause.consecutiveFailures, failing_since: cause.failingSince.toISOString() };
  const occasion = cause.reason === 'gone' ? cause.deliveryId : cause.failingSince.getTime();
  return {
    type: 'endpoint.disabled',
    endpoint,
    key: `endpoint.disabled:${endpoint.id}:${cause.reason}:${occasion}`,
    data: { endpoint_id: endpoint.id, reason: cause.reason, ...detail },
  };
}

/** `delivery.dead_lettered`: a delivery exhausted its retries (or its hold deadline). */
export function deliveryDeadLetteredEvent(
  endpoint: EndpointRef,
  delivery: { id: string; eventId: string; eventType: string; attempts: number; reason: string },
): OperationalEvent {
  return {
    type: 'delivery.dead_lettered',
    endpoint,
    key: `delivery.dead_lettered:${delivery.id}`,
    data: {
      delivery_id: delivery.id,
      endpoint_id: endpoint.id,
      event_id: delivery.eventId,
      event_type: delivery.eventType,
      attempts: delivery.attempts,
      reason: delivery.reason,
    },
  };
}
