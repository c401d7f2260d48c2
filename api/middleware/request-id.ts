import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';

/** Gives every request an id (the caller's `X-Request-Id` when it is sane) and echoes it back. */
export async function requestIdMiddleware(ctx: Context, next: Next) {
  const given = ctx.get('x-request-id');
  ctx.state.requestId = /^[A-Za-z0-9._-]{1,100}$/.test(given) ? given : `req_${randomUUID().replace(/-/g, '')}`;
  ctx.set('X-Request-Id', ctx.state.requestId);
  await next();
}
