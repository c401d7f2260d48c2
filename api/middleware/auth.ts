import type { Next } from 'koa';
import type { Scope } from '../../src/db/entities/index.js';
import { authenticateApiKey } from '../../src/services/api-keys.js';
import { forbidden, unauthorized } from '../../src/services/errors.js';
import type { AppContext } from '../context.js';

/** Authenticates `Authorization: Bearer <API key>` and puts the actor on the request. */
export async function authMiddleware(ctx: AppContext, next: Next) {
  const header = ctx.get('authorization');
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw unauthorized();
  const key = await authenticateApiKey(ctx.state.services.em, match[1]);
  if (!key) throw unauthorized();
  ctx.state.actor = {
    tenantId: key.tenantId,
    environment: key.environment,
    scopes: key.scopes,
    name: `api_key:${key.id}`,
    requestId: ctx.state.requestId,
  };
  await next();
}

/** Requires a scope (`admin` implies every scope). */
export function requireScope(scope: Scope) {
  return async (ctx: AppContext, next: Next) => {
    const scopes = ctx.state.actor?.scopes ?? [];
    if (!scopes.includes(scope) && !scopes.includes('admin')) throw forbidden(scope);
    await next();
  };
}
