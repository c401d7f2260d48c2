/** What REST routes and MCP tools answer: the API's JSON for each resource, written once for both. */
import type { z } from 'zod';
import { redactHeaders } from './delivery/sensitive-headers.js';
import type { Attempt, AuditEntry, Delivery, Endpoint, Event, PortalSession } from './db/entities/index.js';
import type { Page } from './services/pagination.js';
import type { DeliveryWorkflows } from './temporal/client.js';
import type { AuditEntrySchema } from './schemas/audit-log.js';
import type { AttemptSchema, DeliverySchema } from './schemas/deliveries.js';
import type {
  EndpointDeletedSchema,
  EndpointSchema,
  EndpointSecretRotatedSchema,
  EndpointStatsSchema,
  EndpointWithSecretSchema,
  VerificationResultSchema,
} from './schemas/endpoints.js';
import type { EventAcceptedSchema, EventTypeListSchema } from './schemas/events.js';
import type { PortalSessionCreatedSchema, PortalSessionSchema } from './schemas/portal-sessions.js';
import type { EventTypeDefinition } from './catalog/index.js';
import type { PublishResult } from './services/events.js';
import type { SecretRotation } from './services/endpoints/rotate-secret.js';
import type { EndpointStats } from './services/endpoints/stats.js';
import type { VerificationResult } from './temporal/client.js';

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
export function presentDeletedEndpoint(e: Endpoint): z.infer<typeof EndpointDeletedSchema> {
  return { id: e.id, object: 'endpoint', deleted: true, deleted_at: (e.deletedAt ?? new Date()).toISOString() };
}

export function presentEndpointStats(s: EndpointStats): z.infer<typeof EndpointStatsSchema> {
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
    series: s.series.map((b) => ({
      start: b.start.toISOString(),
      attempts: b.attempts,
      succeeded: b.succeeded,
      success_rate: b.successRate,
      latency_ms: b.latencyMs,
    })),
  };
}

/** A new endpoint with its signing secret, shown only here and on rotation. */
export function presentCreatedEndpoint(created: { endpoint: Endpoint; secret: string }): z.infer<typeof EndpointWithSecretSchema> {
  return { ...presentEndpoint(created.endpoint), signing_secret: created.secret };
}

/** The endpoint after a rotation, with its new secret (shown only here) and the previous one's end. */
export function presentSecretRotation(rotation: SecretRotation): z.infer<typeof EndpointSecretRotatedSchema> {
  return {
    ...presentEndpoint(rotation.endpoint),
    signing_secret: rotation.secret,
    previous_secret_expires_at: rotation.previousSecretExpiresAt?.toISOString() ?? null,
  };
}

/** The answer to a handshake: `reason` only when it failed. */
export function presentVerification(result: VerificationResult): z.infer<typeof VerificationResultSchema> {
  return { verified: result.verified, ...(result.reason !== undefined && { reason: result.reason }) };
}

/** The answer to a publish: the event and how many deliveries it made. */
export function presentAcceptedEvent(result: PublishResult): z.infer<typeof EventAcceptedSchema> {
  return {
    id: result.event.id,
    object: 'event',
    type: result.event.type,
    created_at: result.event.createdAt.toISOString(),
    deliveries: result.deliveries,
  };
}

/** The event-type catalogue, as one page. */
export function presentEventTypes(catalogue: readonly EventTypeDefinition[]): z.infer<typeof EventTypeListSchema> {
  return {
    object: 'list',
    data: catalogue.map((t) => ({ name: t.name, description: t.description, ...(t.schema && { schema: t.schema }) })),
    has_more: false,
    next_cursor: null,
  };
}

/** A portal session, without its token. */
export function presentPortalSession(s: PortalSession): z.infer<typeof PortalSessionSchema> {
  return {
    id: s.id,
    object: 'portal_session',
    tenant_id: s.tenantId,
    environment: s.environment,
    read_only: s.readOnly,
    event_types: s.eventTypes ?? null,
    return_url: s.returnUrl ?? null,
    created_at: s.createdAt.toISOString(),
    expires_at: s.expiresAt.toISOString(),
    revoked_at: iso(s.revokedAt),
  };
}

/** A new portal session with its token, shown once, and the portal URL that carries it in its fragment. */
export function presentCreatedPortalSession(
  created: { session: PortalSession; token: string },
  baseUrl: string,
): z.infer<typeof PortalSessionCreatedSchema> {
  return { ...presentPortalSession(created.session), token: created.token, url: `${baseUrl}/portal#token=${created.token}` };
}
