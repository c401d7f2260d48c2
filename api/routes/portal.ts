import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Next } from 'koa';
import { Router } from '@koa/router';
import { z } from 'zod';
import type { Logger } from '../../src/logger.js';
import { forbidden, notFound, unauthorized } from '../../src/services/errors.js';
import { isPortalToken, portalActor } from '../../src/services/portal-sessions.js';
import { presentPortalSession } from '../../src/presenters.js';
import { PortalSessionSchema } from '../../src/schemas/portal-sessions.js';
import type { AppContext, AppState } from '../context.js';
import type { RouteTable } from '../route-table.js';
import { bearerToken } from '../middleware/auth.js';
import { jsonBody } from '../middleware/body.js';
import { requestServices } from '../middleware/services.js';
import { deliveryRoutes } from './deliveries.js';
import { endpointRoutes } from './endpoints/index.js';
import { eventTypeRoutes } from './event-types.js';

/** The portal's own API: the page's calls, authenticated by a portal session token only. */
export const PORTAL_API_PREFIX = '/portal/v1';
/** Where the portal serves its copy of the webhooks routes. */
export const PORTAL_WEBHOOKS_BASE = `${PORTAL_API_PREFIX}/webhooks`;

/** The built page (`dist/portal`): its index and its hashed assets, read once at start. */
export interface PortalPage {
  index: Buffer;
  assets: ReadonlyMap<string, { body: Buffer; type: string }>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * Reads the built page from `dir` into memory: a few files, served without touching the disk
 * again, and by name from a fixed map, so no request path ever reaches the file system.
 */
export function loadPortalPage(dir: string, logger?: Logger): PortalPage | undefined {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) {
    logger?.warn({ dir }, 'the customer portal page is not built; /portal answers 404');
    return undefined;
  }
  const assets = new Map<string, { body: Buffer; type: string }>();
  const assetDir = join(dir, 'assets');
  if (existsSync(assetDir)) {
    for (const name of readdirSync(assetDir)) {
      const type = CONTENT_TYPES[extname(name)];
      if (type) assets.set(name, { body: readFileSync(join(assetDir, name)), type });
    }
  }
  return { index: readFileSync(index), assets };
}

/**
 * The page's policy: its own scripts and styles only (nothing from a CDN, nothing inline), calls
 * to its own origin, and framed only by `frameAncestors` (HOOKLINE_PORTAL_FRAME_ANCESTORS).
 */
export function portalContentSecurityPolicy(frameAncestors: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${frameAncestors.join(' ')}`,
  ].join('; ');
}

/** `GET /portal` and its assets: the customer portal page. */
export function portalPageRoutes(table: RouteTable, deps: { page: PortalPage | undefined; frameAncestors: readonly string[] }): Router<AppState> {
  const router = new Router<AppState>();
  const route = table.on(router, '');
  const policy = portalContentSecurityPolicy(deps.frameAncestors);

  route(
    {
      method: 'get',
      path: '/portal',
      operationId: 'getPortalPage',
      summary: 'The customer portal (HTML)',
      description:
        'The page a portal session URL opens (`/portal#token=…`): the customer manages its endpoints and sees its deliveries. ' +
        'Every script and style is served by Hookline; `frame-ancestors` comes from HOOKLINE_PORTAL_FRAME_ANCESTORS.',
      tag: 'Portal',
      scope: null,
      responses: { 200: { description: 'An HTML page' } },
    },
    async (ctx) => {
      if (!deps.page) throw notFound('portal page', 'the customer portal page is not built (npm run portal:build)');
      ctx.set('Content-Security-Policy', policy);
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.set('Referrer-Policy', 'no-referrer');
      ctx.set('Cache-Control', 'no-store');
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = deps.page.index;
    },
  );

  route(
    {
      method: 'get',
      path: '/portal/assets/:file',
      operationId: 'getPortalAsset',
      summary: 'Customer portal asset',
      description: 'A script or style sheet of the portal page; names carry a content hash, so they are cached for good.',
      tag: 'Portal',
      scope: null,
      params: z.object({ file: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'an asset file name') }),
      responses: { 200: { description: 'The file' } },
    },
    async (ctx, { params }) => {
      const asset = deps.page?.assets.get(params.file);
      if (!asset) throw notFound('asset');
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
      ctx.type = asset.type;
      ctx.body = asset.body;
    },
  );

  return router;
}

/**
 * Authenticates a portal session token and acts as the session (`portal:<id>`), within its
 * limits: a read-only session reads, and no session reads beyond its own tenant. API keys and
 * JWTs are refused here, as portal tokens are everywhere else.
 */
async function portalAuth(ctx: AppContext, next: Next) {
  const token = bearerToken(ctx);
  if (!token) throw unauthorized('missing portal token: open the portal from its session link');
  if (!isPortalToken(token)) throw unauthorized('the portal accepts only portal session tokens (POST /manage/v1/portal-sessions makes one)');
  const session = await ctx.state.services.portalSessions.authenticate(token);
  ctx.state.actor = portalActor(session, ctx.state.requestId);
  ctx.state.portalSession = session;
  if (session.readOnly && !['GET', 'HEAD', 'OPTIONS'].includes(ctx.method)) throw forbidden('this portal session is read-only');
  if (ctx.query.tenant_id !== undefined || ctx.query.partner_id !== undefined) {
    throw forbidden('a portal session reads only its own tenant: "tenant_id" and "partner_id" are not accepted here');
  }
  await next();
}

/**
 * `/portal/v1`: `GET /session`, and the endpoint, delivery and event-type routes of
 * `/manage/v1/webhooks` under `/portal/v1/webhooks`, the same code with the same answers. Those are
 * declared on `mirror`, which documents them as copies (`portal…` operation ids, the portal token).
 */
export function portalApiRoutes(
  table: RouteTable,
  mirror: RouteTable,
  deps: { services: () => AppState['services']; maxBodyBytes: number },
): Router<AppState> {
  const router = new Router<AppState>({ prefix: PORTAL_API_PREFIX });
  router.use(requestServices(deps.services));
  router.use(jsonBody(deps.maxBodyBytes));
  router.use(portalAuth);

  table.on(router, PORTAL_API_PREFIX)(
    {
      method: 'get',
      path: '/session',
      operationId: 'getCurrentPortalSession',
      summary: "The portal session of the request's token",
      description:
        'Send `Authorization: Bearer <portal session token>`. A 401 says why a token no longer works: `session_expired`, `session_revoked`, ' +
        'or `unauthorized`. With the same token, `/portal/v1/webhooks/…` serves the endpoint, delivery and event-type routes of ' +
        '`/manage/v1/webhooks/…` for the session\'s tenant (mutations refused with 403 on a read-only session; event types limited to the session\'s).',
      tag: 'Portal API',
      scope: null,
      security: 'portalToken',
      responses: { 200: { description: 'The session', schema: PortalSessionSchema } },
    },
    async (ctx) => {
      ctx.body = presentPortalSession(ctx.state.portalSession!);
    },
  );

  for (const routes of [endpointRoutes(mirror), deliveryRoutes(mirror), eventTypeRoutes(mirror)]) {
    router.use(routes.routes(), routes.allowedMethods({ throw: true }));
  }
  return router;
}
