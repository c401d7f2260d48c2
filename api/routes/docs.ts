import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { Router } from '@koa/router';
import { z } from 'zod';
import { notFound } from '../../src/services/errors.js';
import type { AppState } from '../context.js';
import { buildOpenApiDocument, OPERATIONS_ROUTES, type OpenApiDocument } from '../openapi.js';
import type { RouteTable } from '../route-table.js';

/** The Swagger UI files the page needs (and their source maps), served from the installed package. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui.css.map': 'application/json; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-bundle.js.map': 'application/json; charset=utf-8',
  'favicon-16x16.png': 'image/png',
  'favicon-32x32.png': 'image/png',
};

const swaggerUiDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const swaggerUiVersion = (JSON.parse(readFileSync(join(swaggerUiDir, 'package.json'), 'utf8')) as { version: string }).version;

/** Same-origin only: the page loads nothing from the internet. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // Swagger UI sets inline styles on its elements.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const asset = (name: string) => `/docs/assets/${name}?v=${swaggerUiVersion}`;

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Hookline API reference</title>
    <link rel="stylesheet" href="${asset('swagger-ui.css')}">
    <link rel="icon" type="image/png" sizes="32x32" href="${asset('favicon-32x32.png')}">
    <link rel="icon" type="image/png" sizes="16x16" href="${asset('favicon-16x16.png')}">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${asset('swagger-ui-bundle.js')}"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
`;

// No validator badge: it would send the document to validator.swagger.io.
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

/**
 * `GET /openapi.json` (the document, generated on first request from the route table, which is
 * complete once `createApp` returns) and `GET /docs`, a Swagger UI page whose scripts and styles
 * Hookline serves itself from `swagger-ui-dist`.
 */
export function docsRoutes(table: RouteTable): Router<AppState> {
  const router = new Router<AppState>();
  const route = table.on(router, '');
  let document: OpenApiDocument | undefined;

  route(
    {
      method: 'get',
      path: '/openapi.json',
      operationId: 'getOpenApiDocument',
      summary: 'This API as an OpenAPI 3.1 document',
      tag: 'Operations',
      scope: null,
      responses: { 200: { description: 'The OpenAPI document', schema: z.record(z.string(), z.unknown()) } },
    },
    async (ctx) => {
      document ??= buildOpenApiDocument([...OPERATIONS_ROUTES, ...table.routes]);
      ctx.set('Cache-Control', 'no-cache');
      ctx.body = document;
    },
  );

  route(
    {
      method: 'get',
      path: '/docs',
      operationId: 'getApiReference',
      summary: 'API reference (HTML)',
      description: 'Renders `/openapi.json` with Swagger UI; every script and style is served by Hookline.',
      tag: 'Operations',
      scope: null,
      responses: { 200: { description: 'An HTML page' } },
    },
    async (ctx) => {
      ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = PAGE;
    },
  );

  route(
    {
      method: 'get',
      path: '/docs/init.js',
      operationId: 'getApiReferenceScript',
      summary: 'API reference start-up script',
      tag: 'Operations',
      scope: null,
      responses: { 200: { description: 'JavaScript that starts Swagger UI on `/openapi.json`' } },
    },
    async (ctx) => {
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.type = 'text/javascript; charset=utf-8';
      ctx.body = INIT_SCRIPT;
    },
  );

  route(
    {
      method: 'get',
      path: '/docs/assets/:file',
      operationId: 'getApiReferenceAsset',
      summary: 'API reference asset',
      description: 'A script, style sheet or icon of the API reference, from the installed `swagger-ui-dist` package.',
      tag: 'Operations',
      scope: null,
      params: z.object({ file: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'an asset file name') }),
      responses: { 200: { description: 'The file' } },
    },
    async (ctx, { params }) => {
      const type = Object.hasOwn(ASSETS, params.file) ? ASSETS[params.file] : undefined;
      const file = join(swaggerUiDir, params.file);
      // The allow-list already rules out traversal; the prefix check keeps it so if the list grows.
      if (!type || !file.startsWith(swaggerUiDir + sep)) throw notFound('asset');
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.set('Cache-Control', 'public, max-age=86400');
      ctx.type = type;
      ctx.length = statSync(file).size;
      ctx.body = createReadStream(file);
    },
  );

  return router;
}
