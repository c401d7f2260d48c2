import type { Next } from 'koa';
import { z } from 'zod';
import type { Scope } from '../../src/db/entities/index.js';
import type { Actor } from '../../src/services/actor.js';
import { forbidden, invalid, missingScope, unauthorized } from '../../src/services/errors.js';
import type { JwtVerifier } from '../../src/services/jwt.js';
import { isPortalToken } from '../../src/services/portal-sessions.js';
import type { AppContext } from '../context.js';
import { parsePart, refuseUnsafe } from './validate.js';

/** The partner an authenticated JWT is bound to (its `partner_id` claim): admin reads stay inside it. */
const boundPartner = new WeakMap<Actor, string>();

/** The partner the caller's JWT is bound to, if any: an admin acts only for that partner's tenants. */
export const partnerOf = (actor: Actor): string | undefined => boundPartner.get(actor);

/** The token of `Authorization: Bearer <token>`, if the request has one. */
export const bearerToken = (ctx: AppContext): string | undefined => /^Bearer\s+(\S+)$/i.exec(ctx.get('authorization'))?.[1];

/**
 * Authenticates `Authorization: Bearer <token>` and puts the actor on the request. A token is an
 * API key (`hk_test_…` / `hk_live_…`) or, when a JWT secret or JWKS URL is configured, an admin JWT.
 */
export function authMiddleware(jwt: JwtVerifier | undefined) {
  return async (ctx: AppContext, next: Next) => {
    const token = bearerToken(ctx);
    if (!token) throw unauthorized('missing bearer token: send "Authorization: Bearer <API key or JWT>"');
    if (isPortalToken(token)) throw unauthorized('a portal session token is accepted only by the portal (/portal/v1), not by this API');
    ctx.state.actor = token.startsWith('hk_')
      ? await apiKeyActor(ctx, token)
      : await jwtActor(ctx, jwt, token);
    await next();
  };
}

async function apiKeyActor(ctx: AppContext, token: string): Promise<Actor> {
  return ctx.state.services.auth.apiKeyActor(token, ctx.state.requestId);
}

async function jwtActor(ctx: AppContext, jwt: JwtVerifier | undefined, token: string): Promise<Actor> {
  if (!jwt) throw unauthorized('invalid API key (JWTs are not accepted: no JWT secret or JWKS URL is configured)');
  const identity = await jwt.verify(token);
  const actor = await ctx.state.services.auth.jwtActor(identity, ctx.state.requestId);
  if (identity.partnerId !== undefined) boundPartner.set(actor, identity.partnerId);
  return actor;
}

const CrossTenantQuerySchema = z.object({
  tenant_id: z.string().min(1).max(64).optional(),
  partner_id: z.string().min(1).max(64).optional(),
});

/**
 * Admin cross-tenant reads: `tenant_id` and/or `partner_id` on a GET need the `admin` scope and
 * widen the actor's reads to that tenant, that partner's tenants, or both filters' intersection
 * (same environment). Writes never cross tenants, so the filters are refused on them.
 */
export async function crossTenantReads(ctx: AppContext, next: Next) {
  if (ctx.query.tenant_id === undefined && ctx.query.partner_id === undefined) return next();
  const given = { tenant_id: ctx.query.tenant_id, partner_id: ctx.query.partner_id };
  // The filters reach the database before the route's own input checks run.
  refuseUnsafe('query', given);
  const filter = parsePart('query', CrossTenantQuerySchema, given);
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
    const param = filter.tenant_id !== undefined ? 'tenant_id' : 'partner_id';
    throw invalid(`"${param}" filters reads only; writes always go to the caller's own tenant`, [
      { loc: ['query', param], msg: 'not allowed on writes', type: 'extra_forbidden' },
    ]);
  }
  const actor = ctx.state.actor!;
  if (!actor.scopes.includes('admin')) {
    throw forbidden('the "tenant_id" and "partner_id" filters need the "admin" scope');
  }
  const partnerId = boundPartner.get(actor);
  if (partnerId !== undefined && filter.partner_id !== undefined && filter.partner_id !== partnerId) {
    throw forbidden("this token reads only its own partner's tenants");
  }
  actor.readTenantIds = await ctx.state.services.auth.tenantsToRead({ tenantId: filter.tenant_id, partnerId: filter.partner_id ?? partnerId });
  await next();
}

/** Requires a scope (`admin` implies every scope). */
export function requireScope(scope: Scope) {
  return async (ctx: AppContext, next: Next) => {
    const scopes = ctx.state.actor?.scopes ?? [];
    if (!scopes.includes(scope) && !scopes.includes('admin')) throw missingScope(scope);
    await next();
  };
}
