import type { Context, Next } from 'koa';
import { withLogContext, type Logger } from '../../src/logger.js';
import type { Metrics } from '../../src/metrics.js';

/** What @koa/router leaves on the context: every layer whose path matched, in order. */
interface MatchedLayer {
  path: string | RegExp;
  methods: string[];
}

/**
 * The route pattern that served the request (`/manage/v1/webhooks/endpoints/:id`), never the raw
 * path, so the metric's label values stay few; `unmatched` when no route's path matched.
 * Router middleware layers (no methods) are skipped: they match every path under their prefix.
 */
export function matchedRoute(ctx: Context): string {
  const routes = ((ctx as { matched?: MatchedLayer[] }).matched ?? []).filter((layer) => layer.methods.length > 0);
  const route = routes.findLast((layer) => layer.methods.includes(ctx.method)) ?? routes.at(-1);
  return route ? String(route.path) : 'unmatched';
}

/**
 * Outside the error middleware, so it sees the status the client gets: one log line per request
 * (with its id), API latency by route, and the request id on every line logged while it runs.
 */
export function requestTelemetry(logger: Logger, metrics: Metrics) {
  return async (ctx: Context, next: Next) => {
    const started = performance.now();
    const requestId: string = ctx.state.requestId;
    try {
      await withLogContext({ requestId }, next);
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const route = matchedRoute(ctx);
      metrics.httpRequestDuration.observe({ method: ctx.method, route, status: String(ctx.status) }, seconds);
      logger.info(
        { requestId, method: ctx.method, path: ctx.path, route, status: ctx.status, ms: Math.round(seconds * 1000) },
        'request',
      );
    }
  };
}
