import { defineEntity, p } from '@mikro-orm/core';
import { ENVIRONMENTS } from './api-key.js';

export const ENDPOINT_STATUSES = ['active', 'paused', 'disabled'] as const;
export type EndpointStatus = (typeof ENDPOINT_STATUSES)[number];

export interface Verification {
  status: 'pending' | 'verified' | 'failed';
  verified_at: string | null;
  reason: string | null;
}

const EndpointSchema = defineEntity({
  name: 'Endpoint',
  tableName: 'endpoints',
  properties: {
    id: p.string().length(40).primary(),
    tenantId: p.string().length(64),
    environment: p.enum(ENVIRONMENTS),
    name: p.string().length(200).nullable(),
    url: p.text(),
    description: p.text().nullable(),
    eventTypes: p.json<string[]>(),
    headers: p.json<Record<string, string>>(),
    timeoutSeconds: p.integer().default(10),
    status: p.enum(ENDPOINT_STATUSES).default('active'),
    disabledReason: p.string().length(64).nullable(),
    pausedAt: p.datetime().nullable(),
    verification: p.json<Verification>(),
    metadata: p.json<Record<string, unknown>>(),
    rateLimitPerSecond: p.integer().nullable(),
    /** The current signing secret, sealed with AES-256-GCM (see SecretBox). */
    secretSealed: p.text(),
    /** The secret before the last rotation, valid until `previousSecretExpiresAt`. */
    previousSecretSealed: p.text().nullable(),
    previousSecretExpiresAt: p.datetime().nullable(),
    /** Attempts that failed in a row; reset by a success. */
    consecutiveFailures: p.integer().default(0),
    /** Start of the current run of failures (for auto-disable), null while healthy. */
    failingSince: p.datetime().nullable(),
    /** When `endpoint.failing` was published for the current run of failures. */
    failingNotifiedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
    deletedAt: p.datetime().nullable(),
  },
  indexes: [{ properties: ['tenantId', 'environment', 'id'] }],
});

export class Endpoint extends EndpointSchema.class {}
EndpointSchema.setClass(Endpoint);
