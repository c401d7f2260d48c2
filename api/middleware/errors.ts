import type { Context, Next } from 'koa';
import { AppError } from '../../src/services/errors.js';
import type { Logger } from '../../src/logger.js';
import { isDatabaseUnavailable } from '../../src/db/unavailable.js';

/** The hint a 503 gives while PostgreSQL is unreachable: soon, without hammering a recovering server. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

/** The one error shape of the API. */
export function errorBody(type: string, message: string, requestId: string, detail?: unknown[]) {
  return { error: { type, message, request_id: requestId, ...(detail && { detail }) } };
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
      if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
        // Koa/router errors: 405 Method Not Allowed, 501 …
        ctx.status = e.status;
        if (e.headers) ctx.set(e.headers);
        ctx.body = errorBody(e.status === 405 ? 'method_not_allowed' : 'bad_request', e.expose ? (e.message ?? 'bad request') : 'bad request', requestId);
        return;
      }
      if (e.status === 501) {
        // The router's answer to a method it does not know at all (PROPFIND, …).
        ctx.status = 501;
        ctx.body = errorBody('not_implemented', `method ${ctx.method} is not supported`, requestId);
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
