import type { z } from 'zod';
import type { Attempt, Delivery, Endpoint, Event } from '../src/db/entities/index.js';
import type { Page } from '../src/services/pagination.js';
import type { DeliveryWorkflows } from '../src/temporal/client.js';
import type { AttemptSchema, DeliverySchema } from './schemas/deliveries.js';
import type { EndpointSchema } from './schemas/endpoints.js';

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function presentEndpoint(e: Endpoint): z.infer<typeof EndpointSchema> {
  return {
    id: e.id,
    object: 'endpoint',
    name: e.name ?? null,
    url: e.url,
    description: e.description ?? null,
    event_types: e.eventTypes,
    headers: e.headers,
    timeout_seconds: e.timeoutSeconds,
    status: e.status,
    active: e.status === 'active',
    disabled_reason: e.disabledReason ?? null,
    paused_at: iso(e.pausedAt),
    verification: e.verification,
    metadata: e.metadata,
    rate_limit_per_second: e.rateLimitPerSecond ?? null,
    created_at: e.createdAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
  };
}

export function presentDelivery(d: Delivery, workflows: Pick<DeliveryWorkflows, 'uiLink'>): z.infer<typeof DeliverySchema> {
  return {
    id: d.id,
    object: 'delivery',
    event_id: d.eventId,
    endpoint_id: d.endpointId,
    event_type: d.eventType,
    status: d.status,
    attempt_count: d.attemptCount,
    next_attempt_at: iso(d.nextAttemptAt),
    last_response_status: d.lastResponseStatus ?? null,
    delivered_at: iso(d.deliveredAt),
    replay_of: d.replayOf ?? null,
    failure_reason: d.failureReason ?? null,
    created_at: d.createdAt.toISOString(),
    updated_at: d.updatedAt.toISOString(),
    links: { temporal_ui: workflows.uiLink(d.id) },
  };
}

export function presentAttempt(a: Attempt): z.infer<typeof AttemptSchema> {
  return {
    id: a.id,
    attempt: a.attempt,
    started_at: a.startedAt.toISOString(),
    duration_ms: a.durationMs,
    request_headers: a.requestHeaders,
    response_status: a.responseStatus ?? null,
    response_headers: a.responseHeaders ?? null,
    response_body: a.responseBody ?? null,
    error: a.error ?? null,
  };
}

export function presentEvent(e: Event) {
  return { id: e.id, object: 'event' as const, type: e.type, data: e.data, created_at: e.createdAt.toISOString() };
}

export function presentList<T, R>(page: Page<T>, present: (item: T) => R) {
  return { object: 'list' as const, data: page.data.map(present), has_more: page.hasMore, next_cursor: page.nextCursor };
}
