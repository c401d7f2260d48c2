import Koa from 'koa';
import { Router } from '@koa/router';
import type { Logger } from '../src/logger.js';
import { createMetrics, type Metrics } from '../src/metrics.js';
import type { createServices } from '../src/services/index.js';
import type { JwtVerifier } from '../src/services/jwt.js';
import type { AppState } from './context.js';
import { authMiddleware, crossTenantReads } from './middleware/auth.js';
import { jsonBody } from './middleware/body.js';
import { errorMiddleware } from './middleware/errors.js';
import { requestServices } from './middleware/services.js';
import type { IdempotencyLimits } from './middleware/idempotency.js';
import { DEFAULT_REQUEST_TIMEOUT_SECONDS } from '../src/config.js';
import { requestIdMiddleware } from './middleware/request-id.js';
import { requestTelemetry } from './middleware/telemetry.js';
import { MANAGE_PREFIX, RouteTable, WEBHOOKS_BASE } from './route-table.js';
import { auditLogRoutes } from './routes/audit-log.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { docsRoutes } from './routes/docs.js';
import { operationsRoutes } from './routes/operations.js';
import { endpointRoutes } from './routes/endpoints/index.js';
import { eventTypeRoutes } from './routes/event-types.js';
import { eventRoutes } from './routes/events.js';
import { PORTAL_WEBHOOKS_BASE, portalApiRoutes, portalPageRoutes, type PortalPage } from './routes/portal.js';
import { portalSessionRoutes } from './routes/portal-sessions.js';
import { mcpRoutes } from './routes/mcp.js';
import { mcpServerFactory } from '../src/mcp/server.js';
import { packageVersion } from '../src/version.js';

export interface AppDeps {
  services: ReturnType<typeof createServices>;
  logger: Logger;
  maxBodyBytes: number;
  /** Readiness probe: resolves when the database and Temporal answer. */
  ready?: () => Promise<void>;
  /** Verifies admin JWTs; without it only API keys authenticate. */
  jwt?: JwtVerifier | undefined;
  /** Served at /metrics; by default a registry of this app's own (without the database gauges). */
  metrics?: Metrics;
  /** Deadline of requests holding an Idempotency-Key, and the lease of their claims (see requestLimits). */
  idempotency?: IdempotencyLimits;
  /** The customer portal: its built page (none: `/portal` is a 404), who may frame it, and the base URL of its links. */
  portal?: { page?: PortalPage | undefined; frameAncestors?: readonly string[]; publicUrl?: string | undefined };
}

/**
 * The deadline of a request holding an Idempotency-Key, and the lease of its claim: twice the
 * deadline, so work still running just past the deadline is not taken over while it may commit
 * (and `POST /events`, which commits its answer with its event, is fenced off if it is).
 */
export function requestLimits(requestTimeoutSeconds: number): IdempotencyLimits {
  return { requestTimeoutMs: requestTimeoutSeconds * 1000, leaseMs: 2 * requestTimeoutSeconds * 1000 };
}

/**
 * The Koa application: request ids, then logging and metrics (outside the error middleware, so they
 * see the status sent), one error middleware, then body, auth and routes.
 */
export function createApp(deps: AppDeps): Koa<AppState> & { routeTable: RouteTable } {
  const app = new Koa<AppState>();
  app.proxy = false;
  app.silent = true;

  const metrics = deps.metrics ?? createMetrics();
  app.use(requestIdMiddleware);
  app.use(requestTelemetry(deps.logger, metrics));
  app.use(errorMiddleware(deps.logger));

  const limits = deps.idempotency ?? requestLimits(DEFAULT_REQUEST_TIMEOUT_SECONDS);
  const table = new RouteTable(limits);
  app.use(operationsRoutes(table, { metrics, ready: deps.ready }).routes());

  const api = new Router<AppState>({ prefix: MANAGE_PREFIX });
  api.use(requestServices(deps.services));
  api.use(jsonBody(deps.maxBodyBytes));
  api.use(authMiddleware(deps.jwt));
  api.use(crossTenantReads);
  // Route modules declare full paths from the root; they are mounted under the prefix here.
  const modules = [
    endpointRoutes(table),
    eventRoutes(table),
    eventTypeRoutes(table),
    deliveryRoutes(table),
    auditLogRoutes(table),
    portalSessionRoutes(table, { publicUrl: deps.portal?.publicUrl }),
  ];
  for (const routes of modules) {
    api.use(routes.routes(), routes.allowedMethods({ throw: true }));
  }
  const docs = docsRoutes(table);
  app.use(docs.routes());
  const page = portalPageRoutes(table, { page: deps.portal?.page, frameAncestors: deps.portal?.frameAncestors ?? ["'self'"] });
  app.use(page.routes());
  app.use(page.allowedMethods({ throw: true }));
  const mirror = new RouteTable(limits, {
    documentIn: table,
    from: WEBHOOKS_BASE,
    to: PORTAL_WEBHOOKS_BASE,
    operationPrefix: 'portal',
    tag: 'Portal API',
    security: 'portalToken',
  });
  const portalApi = portalApiRoutes(table, mirror, { services: deps.services, maxBodyBytes: deps.maxBodyBytes });
  app.use(portalApi.routes());
  app.use(portalApi.allowedMethods({ throw: true }));
  // The MCP tools over HTTP: a JSON-RPC endpoint with a body the transport reads itself, so not a
  // route of the table (nor of the OpenAPI document).
  const mcp = mcpRoutes({
    services: deps.services,
    servers: mcpServerFactory({ services: deps.services, logger: deps.logger, version: packageVersion() }),
    logger: deps.logger,
    maxBodyBytes: deps.maxBodyBytes,
  });
  app.use(mcp.routes());
  app.use(mcp.allowedMethods({ throw: true }));
  app.use(api.routes());
  app.use(api.allowedMethods({ throw: true }));
  return Object.assign(app, { routeTable: table });
}
