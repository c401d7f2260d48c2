import Koa from 'koa';
import { Router } from '@koa/router';
import type { Logger } from '../src/logger.js';
import type { createServices } from '../src/services/index.js';
import type { JwtVerifier } from '../src/services/jwt.js';
import type { AppState } from './context.js';
import { authMiddleware, crossTenantReads } from './middleware/auth.js';
import { jsonBody } from './middleware/body.js';
import { errorMiddleware } from './middleware/errors.js';
import { requestIdMiddleware } from './middleware/request-id.js';
import { MANAGE_PREFIX, RouteTable } from './route-table.js';
import { auditLogRoutes } from './routes/audit-log.js';
import { deliveryActionRoutes } from './routes/delivery-actions.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { docsRoutes } from './routes/docs.js';
import { endpointActionRoutes } from './routes/endpoint-actions.js';
import { endpointRoutes } from './routes/endpoints.js';
import { eventRoutes } from './routes/events.js';
import { verificationRoutes } from './routes/verification.js';


export interface AppDeps {
  services: ReturnType<typeof createServices>;
  logger: Logger;
  maxBodyBytes: number;
  /** Readiness probe: resolves when the database and Temporal answer. */
  ready?: () => Promise<void>;
  /** Verifies admin JWTs; without it only API keys authenticate. */
  jwt?: JwtVerifier | undefined;
}

/** The Koa application: one error middleware first, then request ids, body, auth and routes. */
export function createApp(deps: AppDeps): Koa<AppState> & { routeTable: RouteTable } {
  const app = new Koa<AppState>();
  app.proxy = false;
  app.silent = true;

  app.use(requestIdMiddleware);
  app.use(errorMiddleware(deps.logger));
  app.use(async (ctx, next) => {
    const started = performance.now();
    await next();
    deps.logger.info(
      { requestId: ctx.state.requestId, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) },
      'request',
    );
  });

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
      ctx.body = { status: 'unavailable', reason: (err as Error).message };
    }
  });
  app.use(ops.routes());

  const table = new RouteTable();
  const api = new Router<AppState>({ prefix: MANAGE_PREFIX });
  api.use(async (ctx, next) => {
    ctx.state.services = deps.services();
    await next();
  });
  api.use(jsonBody(deps.maxBodyBytes));
  api.use(authMiddleware(deps.jwt));
  api.use(crossTenantReads);
  // Route modules declare full paths from the root; they are mounted under the prefix here.
  const modules = [
    endpointRoutes(table),
    endpointActionRoutes(table),
    verificationRoutes(table),
    eventRoutes(table),
    deliveryRoutes(table),
    deliveryActionRoutes(table),
    auditLogRoutes(table),
  ];
  for (const routes of modules) {
    api.use(routes.routes(), routes.allowedMethods({ throw: true }));
  }
  const docs = docsRoutes(table);
  app.use(docs.routes());
  app.use(api.routes());
  app.use(api.allowedMethods({ throw: true }));
  return Object.assign(app, { routeTable: table });

}
