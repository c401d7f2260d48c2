export * from './tenant.js';
export * from './api-key.js';
export * from './endpoint.js';
export * from './event.js';
export * from './delivery.js';
export * from './attempt.js';
export * from './audit-entry.js';
export * from './idempotency-record.js';
export * from './endpoint-rate-limit.js';
export * from './portal-session.js';

import { Tenant } from './tenant.js';
import { ApiKey } from './api-key.js';
import { Endpoint } from './endpoint.js';
import { Event } from './event.js';
import { Delivery } from './delivery.js';
import { Attempt } from './attempt.js';
import { AuditEntry } from './audit-entry.js';
import { IdempotencyRecord } from './idempotency-record.js';
import { EndpointRateLimit } from './endpoint-rate-limit.js';
import { PortalSession } from './portal-session.js';

export const entities = [Tenant, ApiKey, Endpoint, Event, Delivery, Attempt, AuditEntry, IdempotencyRecord, EndpointRateLimit, PortalSession];
