import type { Context, Next } from 'koa';
import { AppError, errorBody } from '../../src/services/errors.js';
import type { Logger } from '../../src/logger.js';
import { isDatabaseUnavailable } from '../../src/db/unavailable.js';

/** The hint a 503 gives while PostgreSQL is unreachable: soon, without hammering a recovering server. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

/** What @koa/router leaves on the context: every layer whose path matched the request's. */
interface MatchedLayer {
  methods: string[];
}

/** The methods the routes of the request's path serve (router middleware layers serve none). */
function allowedMethods(ctx: Context): string[] {
  const layers = (ctx as { matched?: MatchedLayer[] }).matched ?? [];
  return [...new Set(layers.flatMap((layer) => layer.methods))];
}

/** First in the chain: maps every thrown error to the API's JSON error shape; 5xx reveal only the request id. */
export function errorMiddleware(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = errorBody('not_found', 'no such route', ctx.state.requestId);
      }
    } catch (err) {
      const requestId: string = ctx.state.requestId;
      if (err instanceof AppError) {
        ctx.status = err.status;
        if (err.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(err.retryAfterSeconds));
        ctx.body = errorBody(err.type, err.message, requestId, err.detail);
        return;
      }
      const e = err as { status?: number; expose?: boolean; message?: string; headers?: Record<string, string> };
      if (e.status === 405 || e.status === 501) {
        // The routers' answers to a method a path does not serve (PATCH on a read-only route) and to
        // one they do not know at all (PROPFIND, TRACE): both are the client's mistake, not a server
        // failure, so a 405 with the path's methods, or a 404 when no route has the path.
        const allowed = allowedMethods(ctx);
        if (allowed.length === 0) {
          ctx.status = 404;
          ctx.body = errorBody('not_found', 'no such route', requestId);
          return;
        }
        ctx.status = 405;
        ctx.set('Allow', allowed.join(', '));
        ctx.body = errorBody('method_not_allowed', `method ${ctx.method} is not allowed here; allowed: ${allowed.join(', ')}`, requestId);
        return;
      }
      if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
        // Other Koa errors with a client status.
        ctx.status = e.status;
        if (e.headers) ctx.set(e.headers);
        ctx.body = errorBody('bad_request', e.expose ? (e.message ?? 'bad request') : 'bad request', requestId);
        return;
      }
      if (isDatabaseUnavailable(err)) {
        logger.warn({ err, requestId, method: ctx.method, path: ctx.path }, 'database unavailable');
        ctx.status = 503;
        ctx.set('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
        ctx.body = errorBody('service_unavailable', 'the service is temporarily unavailable; retry later', requestId);
        return;
      }
      logger.error({ err, requestId, method: ctx.method, path: ctx.path }, 'unhandled error');
      ctx.status = 500;
      ctx.body = errorBody('internal_error', 'internal error', requestId);
    }
  };
}
