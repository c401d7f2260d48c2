import { Router } from '@koa/router';
import type { Metrics } from '../../src/metrics.js';
import type { AppState } from '../context.js';
import type { RouteTable } from '../route-table.js';

/**
 * `GET /healthz`, `GET /readyz` and `GET /metrics`, without authentication. The probes are plain
 * Koa routes (documented in `OPERATIONS_ROUTES` of api/openapi.ts); `/metrics` is in the table.
 */
export function operationsRoutes(table: RouteTable, deps: { metrics: Metrics; ready?: (() => Promise<void>) | undefined }): Router<AppState> {
  const ops = new Router<AppState>();
  ops.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  ops.get('/readyz', async (ctx) => {
    try {
      await deps.ready?.();
      ctx.body = { status: 'ready' };
    } catch (err) {
      ctx.status = 503;
      ctx.set('Retry-After', '5');
      ctx.body = { status: 'unavailable', reason: (err as Error).message };
    }
  });
  table.on(ops, '')(
    {
      method: 'get',
      path: '/metrics',
      operationId: 'getMetrics',
      summary: 'Prometheus metrics',
      description:
        'Prometheus text format, without authentication (like /healthz): API latency by route, deliveries by status, ' +
        'pending deliveries, queue lag and delivery attempt latency.',
      tag: 'Operations',
      scope: null,
      responses: { 200: { description: 'Prometheus text exposition format 0.0.4' } },
    },
    async (ctx) => {
      ctx.type = deps.metrics.registry.contentType;
      ctx.body = await deps.metrics.registry.metrics();
    },
  );
  return ops;
}
