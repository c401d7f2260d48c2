import { defineEntity, p } from '@mikro-orm/core';

const IdempotencyRecordSchema = defineEntity({
  name: 'IdempotencyRecord',
  tableName: 'idempotency_records',
  properties: {
    id: p.string().length(40).primary(),
    tenantId: p.string().length(64),
    environment: p.string().length(8),
    route: p.string().length(200),
    key: p.string().length(255),
    /** SHA-256 of the canonical request body. */
    requestHash: p.string().length(64),
    state: p.enum(['running', 'done'] as const),
    /** When the request now holding a `running` claim took it; the claim's lease runs from here. */
    lockedAt: p.datetime(),
    /** Names the request holding the claim: a request whose claim was taken over may no longer complete it. */
    claimToken: p.string().length(32),
    /** The id the claiming request gives what it creates, so a request taking the claim over finds what was committed. */
    resourceId: p.string().length(40).nullable(),
    responseStatus: p.integer().nullable(),
    responseBody: p.json<unknown>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    expiresAt: p.datetime().index(),
  },
  uniques: [{ name: 'idempotency_key_unique', properties: ['tenantId', 'environment', 'route', 'key'] }],
});

export class IdempotencyRecord extends IdempotencyRecordSchema.class {}
IdempotencyRecordSchema.setClass(IdempotencyRecord);
