import { defineEntity, p } from '@mikro-orm/core';

export const ENVIRONMENTS = ['test', 'live'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
export const SCOPES = ['manage_webhooks', 'publish_events', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

const ApiKeySchema = defineEntity({
  name: 'ApiKey',
  tableName: 'api_keys',
  properties: {
    id: p.string().length(40).primary(),
    tenantId: p.string().length(64).index(),
    environment: p.enum(ENVIRONMENTS),
    name: p.string().length(200).nullable(),
    /** The first characters of the key, shown to identify it; never enough to use it. */
    prefix: p.string().length(24),
    /** SHA-256 of the whole key, hex. Keys have 190 random bits, so a fast hash is enough. */
    hash: p.string().length(64).unique(),
    scopes: p.json<Scope[]>(),
    createdAt: p.datetime().onCreate(() => new Date()),
    revokedAt: p.datetime().nullable(),
  },
});

export class ApiKey extends ApiKeySchema.class {}
ApiKeySchema.setClass(ApiKey);
