import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { PortalSession, Tenant } from '../db/entities/index.js';
import { newId } from '../ids.js';
import { withinAllowed } from '../event-types.js';
import type { EventTypeDefinition } from '../catalog/index.js';
import type { PortalSessionCreate } from '../schemas/portal-sessions.js';
import type { Actor } from './actor.js';
import { audit } from './audit.js';
import { AppError, forbidden, invalid, notFound, unauthorized } from './errors.js';

/** Prefix of portal tokens: never taken for an API key (`hk_`) or a JWT. */
export const PORTAL_TOKEN_PREFIX = 'hkp_';

/**
 * A new portal token: `hkp_<expiry, unix seconds>_<256 random bits, base64url>`. The expiry is in
 * the clear so the page can tell an expired link without calling anything; the server trusts only
 * the stored session, found by the hash of the whole token.
 */
function generatePortalToken(expiresAt: Date): string {
  return `${PORTAL_TOKEN_PREFIX}${Math.floor(expiresAt.getTime() / 1000)}_${randomBytes(32).toString('base64url')}`;
}

const TOKEN_FORMAT = /^hkp_[0-9]{1,12}_[A-Za-z0-9_-]{43}$/;

export const isPortalToken = (token: string) => token.startsWith(PORTAL_TOKEN_PREFIX);

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** 401s of the portal: each says what happened, so the page can tell the customer. */
const sessionExpired = () => new AppError(401, 'session_expired', 'this portal link has expired; ask for a new one');
const sessionRevoked = () => new AppError(401, 'session_revoked', 'this portal link has been revoked');

/** The actor of a portal session's requests: its tenant, environment and limits, audited as `portal:<id>`. */
export function portalActor(session: PortalSession, requestId: string | null): Actor {
  return {
    tenantId: session.tenantId,
    environment: session.environment,
    scopes: ['manage_webhooks'],
    name: `portal:${session.id}`,
    requestId,
    ...(session.eventTypes && { allowedEventTypes: session.eventTypes }),
  };
}

/**
 * A portal actor may subscribe only to its session's event types: every entry of `eventTypes`
 * must fall inside them (422 at its place otherwise), and an empty filter, which means every
 * event, is refused.
 */
export function checkAllowedEventTypes(actor: Actor, eventTypes: readonly string[] | undefined, required: boolean): void {
  const allowed = actor.allowedEventTypes;
  if (!allowed) return;
  if (eventTypes === undefined && !required) return;
  if (!eventTypes || eventTypes.length === 0) {
    throw invalid('choose the event types to subscribe to', [
      { loc: ['body', 'event_types'], msg: `name at least one of: ${allowed.join(', ')}`, type: 'value_error.event_type.required' },
    ]);
  }
  const refused = eventTypes.flatMap((entry, i) => (withinAllowed(entry, allowed) ? [] : [i]));
  if (refused.length > 0) {
    throw invalid(
      'event types outside what this portal session may subscribe to',
      refused.map((i) => ({
        loc: ['body', 'event_types', i],
        msg: `"${eventTypes[i]}" is not offered here (allowed: ${allowed.join(', ')})`,
        type: 'value_error.event_type.not_allowed',
      })),
    );
  }
}

/** The catalogue as a portal actor sees it: only the types its session offers. */
export function visibleEventTypes(actor: Actor, catalogue: readonly EventTypeDefinition[]): readonly EventTypeDefinition[] {
  const allowed = actor.allowedEventTypes;
  return allowed ? catalogue.filter((t) => withinAllowed(t.name, allowed)) : catalogue;
}

/** Portal sessions: made and revoked with an API key, used with their own token on the portal's routes only. */
export function createPortalSessionService({ em }: { em: EntityManager }) {
  /**
   * Whether the actor may make and manage sessions for `tenantId`: its own tenant, or with the
   * `admin` scope any existing tenant — of `partnerId` only, when the caller's JWT is bound to one.
   */
  async function mayActFor(actor: Actor, tenantId: string, partnerId: string | undefined): Promise<boolean> {
    if (tenantId === actor.tenantId) return true;
    if (!actor.scopes.includes('admin')) return false;
    const tenant = await em.findOne(Tenant, { id: tenantId });
    return tenant !== null && (partnerId === undefined || tenant.partnerId === partnerId);
  }

  /** A session of the actor's environment in a tenant it may act for (see mayActFor); others do not exist. */
  async function findSession(actor: Actor, id: string, partnerId?: string): Promise<PortalSession> {
    const session = await em.findOne(PortalSession, { id, environment: actor.environment });
    if (!session || !(await mayActFor(actor, session.tenantId, partnerId))) throw notFound('portal session');
    return session;
  }

  return {
    /**
     * Makes a session for the actor's tenant, or with the `admin` scope for `tenant_id` (which
     * must exist, and belong to `partnerId` when the caller is bound to one). The token is
     * returned once; the audit entry, in the session's tenant, holds everything but the token.
     */
    async create(actor: Actor, input: PortalSessionCreate, partnerId?: string): Promise<{ session: PortalSession; token: string }> {
      const tenantId = input.tenant_id ?? actor.tenantId;
      if (tenantId !== actor.tenantId && !actor.scopes.includes('admin')) {
        throw forbidden('a portal session for another tenant needs the "admin" scope');
      }
      if (!(await mayActFor(actor, tenantId, partnerId))) {
        throw invalid('unknown tenant', [{ loc: ['body', 'tenant_id'], msg: `no tenant "${tenantId}" this token may act for`, type: 'value_error.tenant' }]);
      }
      const expiresAt = new Date(Date.now() + input.expires_in * 1000);
      const token = generatePortalToken(expiresAt);
      const session = em.create(PortalSession, {
        id: newId('portalSession'),
        tenantId,
        environment: actor.environment,
        tokenHash: hashToken(token),
        readOnly: input.read_only,
        eventTypes: input.event_types ?? null,
        returnUrl: input.return_url ?? null,
        createdBy: actor.name,
        expiresAt,
        revokedAt: null,
      });
      audit(em, { ...actor, tenantId }, {
        action: 'portal_session.created',
        resourceType: 'portal_session',
        resourceId: session.id,
        changes: {
          read_only: session.readOnly,
          event_types: session.eventTypes,
          return_url: session.returnUrl,
          expires_at: expiresAt.toISOString(),
        },
      });
      await em.flush();
      return { session, token };
    },

    get: findSession,

    /** Revokes a session: its token stops working on the next request. Revoking twice is the same as once. */
    async revoke(actor: Actor, id: string, partnerId?: string): Promise<PortalSession> {
      const session = await findSession(actor, id, partnerId);
      if (session.revokedAt === null) {
        session.revokedAt = new Date();
        audit(em, { ...actor, tenantId: session.tenantId }, {
          action: 'portal_session.revoked',
          resourceType: 'portal_session',
          resourceId: session.id,
          changes: { revoked_at: session.revokedAt.toISOString() },
        });
        await em.flush();
      }
      return session;
    },

    /** The session behind a portal token: a 401 saying why when it is unknown, expired or revoked. */
    async authenticate(token: string): Promise<PortalSession> {
      if (!TOKEN_FORMAT.test(token)) throw unauthorized('invalid portal token');
      const session = await em.findOne(PortalSession, { tokenHash: hashToken(token) });
      if (!session) throw unauthorized('invalid portal token');
      if (session.revokedAt !== null) throw sessionRevoked();
      if (session.expiresAt.getTime() <= Date.now()) throw sessionExpired();
      return session;
    },
  };
}
