import { defineEntity, p } from '@mikro-orm/core';
import { ENVIRONMENTS } from './api-key.js';

/**
 * A customer portal session: a short-lived token that lets one tenant's customer manage its
 * endpoints and deliveries through `/portal`. Only the token's hash is kept.
 */
const PortalSessionSchema = defineEntity({
  name: 'PortalSession',
  tableName: 'portal_sessions',
  properties: {
    id: p.string().length(40).primary(),
    tenantId: p.string().length(64).index(),
    environment: p.enum(ENVIRONMENTS),
    /** SHA-256 of the whole token, hex. Tokens carry 256 random bits, so a fast hash is enough. */
    tokenHash: p.string().length(64).unique(),
    readOnly: p.boolean(),
    /** The event types (or patterns) the customer may subscribe to and sees; null for the whole catalogue. */
    eventTypes: p.json<string[]>().nullable(),
    returnUrl: p.text().nullable(),
    /** Who made the session (the actor's audit name). */
    createdBy: p.string().length(200),
    createdAt: p.datetime().onCreate(() => new Date()),
    expiresAt: p.datetime(),
    revokedAt: p.datetime().nullable(),
  },
});

export class PortalSession extends PortalSessionSchema.class {}
PortalSessionSchema.setClass(PortalSession);
