import type { z } from 'zod';
import { redactHeaders } from '../src/delivery/sensitive-headers.js';
import type { Attempt, AuditEntry, Delivery, Endpoint, Event } from '../src/db/entities/index.js';
import type { Page } from '../src/services/pagination.js';
import type { DeliveryWorkflows } from '../src/temporal/client.js';
import type { AuditEntrySchema } from './schemas/audit-log.js';
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
    headers: redactHeaders(e.headers),
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
    error_code: a.errorCode ?? null,
  };
}

export function presentEvent(e: Event) {
  return { id: e.id, object: 'event' as const, type: e.type, data: e.data, created_at: e.createdAt.toISOString() };
}

export function presentList<T, R>(page: Page<T>, present: (item: T) => R) {
  return { object: 'list' as const, data: page.data.map(present), has_more: page.hasMore, next_cursor: page.nextCursor };
}

export function presentAuditEntry(a: AuditEntry): z.infer<typeof AuditEntrySchema> {
  return {
    id: a.id,
    object: 'audit_entry',
    actor: a.actor,
    action: a.action,
    resource_type: a.resourceType,
    resource_id: a.resourceId,
    changes: a.changes,
    request_id: a.requestId ?? null,
    created_at: a.createdAt.toISOString(),
  };
}

/** The answer to a soft delete. */
export function presentDeletedEndpoint(e: Endpoint): z.infer<typeof import('./schemas/endpoint-actions.js').EndpointDeletedSchema> {
  return { id: e.id, object: 'endpoint', deleted: true, deleted_at: (e.deletedAt ?? new Date()).toISOString() };
}

export function presentEndpointStats(
  s: import('../src/services/endpoints/stats.js').EndpointStats,
): z.infer<typeof import('./schemas/endpoint-actions.js').EndpointStatsSchema> {
  return {
    object: 'endpoint_stats',
    endpoint_id: s.endpointId,
    window: s.window,
    since: s.since.toISOString(),
    counts: s.counts,
    total: s.total,
    success_rate: s.successRate,
    attempts: { count: s.attempts.count, latency_ms: s.attempts.latencyMs },
    last_success_at: iso(s.lastSuccessAt),
    last_failure_at: iso(s.lastFailureAt),
  };
}
