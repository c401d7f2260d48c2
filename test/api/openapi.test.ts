import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Koa from 'koa';
import type { Router } from '@koa/router';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { request } from 'node:http';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createApp, type AppDeps } from '../../api/app.js';
import { toOpenApiPath } from '../../api/openapi.js';
import { MCP_PATH } from '../../api/routes/mcp.js';
import { createLogger } from '../../src/logger.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
let document: any;

beforeAll(async () => {
  stack = await startStack({ worker: false });
  const res = await fetch(`${stack.apiUrl}/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  document = await res.json();
});
afterAll(async () => {
  await stack?.stop();
});

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * `METHOD /path` of every route the app's routers serve, read from the routers' layers (a router
 * mounted with `app.use(router.routes())` is reachable through the middleware's `router`; nested
 * routers' layers are copied into their parent's stack). HEAD is implied by GET.
 */
function servedRoutes(app: Koa<any>): Set<string> {
  const served = new Set<string>();
  for (const middleware of app.middleware as { router?: Router<any> }[]) {
    for (const layer of middleware.router?.stack ?? []) {
      const methods = layer.methods.filter((m) => !(m === 'HEAD' && layer.methods.includes('GET')));
      for (const method of methods) served.add(`${method} ${toOpenApiPath(String(layer.path))}`);
    }
  }
  return served;
}

/** A GET whose path goes on the wire exactly as given. */
function rawGet(url: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  const path = url.slice(url.indexOf('/', url.indexOf('//') + 2));
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function documentedRoutes(doc: any): Set<string> {
  const documented = new Set<string>();
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const method of Object.keys(item).filter((k) => HTTP_METHODS.includes(k))) documented.add(`${method.toUpperCase()} ${path}`);
  }
  return documented;
}

function operations(doc: any): { path: string; method: string; op: any }[] {
  return Object.entries<any>(doc.paths).flatMap(([path, item]) =>
    Object.entries<any>(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, op]) => ({ path, method, op })),
  );
}

/** Every JSON Schema in the document: components, parameters, bodies, responses, headers. */
function schemasIn(doc: any): { where: string; schema: unknown }[] {
  const found: { where: string; schema: unknown }[] = [];
  const visit = (value: unknown, where: string) => {
    if (!value || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key === 'schema' && child && typeof child === 'object') found.push({ where: `${where}/schema`, schema: child });
      else visit(child, `${where}/${key}`);
    }
  };
  visit(doc.paths, '#/paths');
  visit({ ...doc.components, schemas: undefined }, '#/components');
  for (const [name, schema] of Object.entries(doc.components.schemas)) found.push({ where: `#/components/schemas/${name}`, schema });
  return found;
}

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document whose references all resolve', async () => {
    expect(document.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it('holds only valid draft 2020-12 JSON Schemas', () => {
    const ajv = new Ajv2020({ strict: false });
    const schemas = schemasIn(document);
    expect(schemas.length).toBeGreaterThan(20);
    const invalid = schemas
      .filter(({ schema }) => !ajv.validateSchema(schema as object))
      .map(({ where }) => `${where}: ${ajv.errorsText()}`);
    expect(invalid).toEqual([]);
  });

  it('documents every route the routers serve, and nothing they do not', () => {
    const app = createApp({
      services: () => {
        throw new Error('no request reaches the services in this test');
      },
      logger: createLogger('silent'),
      maxBodyBytes: 1024,
    } satisfies AppDeps);
    const served = servedRoutes(app);
    expect(served).toContain('POST /manage/v1/webhooks/endpoints');
    expect(served).toContain('GET /healthz');
    const documented = documentedRoutes(document);
    // The MCP endpoint speaks JSON-RPC, as the MCP specification describes it, not a REST operation.
    expect(served).toContain(`POST ${MCP_PATH}`);
    served.delete(`POST ${MCP_PATH}`);
    expect([...served].filter((r) => !documented.has(r)), 'served but not in /openapi.json').toEqual([]);
    expect([...documented].filter((r) => !served.has(r)), 'in /openapi.json but not served').toEqual([]);
  });

  it('gives every operation a unique id, its path parameters, auth and error responses', () => {
    const ids = operations(document).map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, op } of operations(document)) {
      const what = `${method.toUpperCase()} ${path}`;
      const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters ?? []).filter((p: any) => p.in === 'path');
      expect(declared.map((p: any) => p.name).sort(), what).toEqual([...pathParams].sort());
      for (const p of declared) expect(p.required, what).toBe(true);
      if (pathParams.length > 0) expect(op.responses['404'], what).toBeDefined();
      if (path.startsWith('/manage/')) {
        expect(op.security, what).toEqual([{ bearerAuth: [] }]);
        expect(op.responses['401'], what).toEqual({ $ref: '#/components/responses/Unauthorized' });
        expect(op.responses['403'], what).toEqual({ $ref: '#/components/responses/Forbidden' });
      }
      if (op.requestBody) {
        expect(op.requestBody.content['application/json'].schema, what).toBeTypeOf('object');
        expect(op.responses['422'], what).toEqual({ $ref: '#/components/responses/ValidationError' });
      }
      expect(Object.keys(op.responses).some((s) => s.startsWith('2')), what).toBe(true);
      expect(op.responses['500'], what).toBeDefined();
    }
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.components.schemas.Error.properties.error.required).toEqual(['type', 'message', 'request_id']);
  });

  it('describes endpoint creation from its zod schemas: body, idempotency, responses', () => {
    const create = document.paths['/manage/v1/webhooks/endpoints'].post;
    const body = create.requestBody.content['application/json'].schema;
    expect(create.requestBody.required).toBe(true);
    expect(body.required).toEqual(['url']);
    expect(body.additionalProperties).toBe(false);
    expect(body.properties.timeout_seconds).toMatchObject({ type: 'integer', minimum: 1, maximum: 30 });
    expect(create.parameters).toContainEqual({ $ref: '#/components/parameters/IdempotencyKey' });
    expect(document.components.parameters.IdempotencyKey).toMatchObject({ name: 'Idempotency-Key', in: 'header' });
    expect(create.responses['409']).toBeDefined();
    expect(create.responses['201'].content['application/json'].schema.properties.signing_secret).toEqual({ type: 'string' });

    const list = document.paths['/manage/v1/webhooks/endpoints'].get;
    const limit = list.parameters.find((p: any) => p.name === 'limit');
    expect(limit).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', maximum: 100, default: 20 } });
    expect(list.requestBody).toBeUndefined();
  });

  it('is served without authentication, like the health probes it documents', async () => {
    expect(document.paths['/healthz'].get.security).toBeUndefined();
    expect(document.paths['/readyz'].get.responses['503']).toBeDefined();
    const health = await fetch(`${stack.apiUrl}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
  });
});

describe('GET /docs', () => {
  it('renders the reference with scripts and styles that Hookline serves itself', async () => {
    const res = await fetch(`${stack.apiUrl}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).not.toMatch(/https?:|\/\/[a-z0-9]/i);

    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    const links = [...html.matchAll(/<link\b([^>]*)>/gi)].map((m) => m[1]!);
    const attr = (attrs: string, name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(attrs)?.[1];
    const refs: { url: string; kind: 'script' | 'stylesheet' | 'icon' }[] = [
      ...scripts.map((m) => {
        expect(m[2]!.trim(), 'no inline script').toBe('');
        return { url: attr(m[1]!, 'src')!, kind: 'script' as const };
      }),
      ...links.map((l) => ({ url: attr(l, 'href')!, kind: attr(l, 'rel') === 'stylesheet' ? ('stylesheet' as const) : ('icon' as const) })),
    ];
    expect(refs.some((r) => r.kind === 'stylesheet')).toBe(true);

    const base = new URL('/docs', stack.apiUrl);
    for (const ref of refs) {
      expect(ref.url, 'a local URL').toMatch(/^\/?[^/]/);
      const url = new URL(ref.url, base);
      expect(url.origin).toBe(base.origin);
      const asset = await fetch(url);
      expect(asset.status, ref.url).toBe(200);
      const type = asset.headers.get('content-type') ?? '';
      if (ref.kind === 'script') expect(type, ref.url).toMatch(/^(text|application)\/javascript/);
      if (ref.kind === 'stylesheet') expect(type, ref.url).toMatch(/^text\/css/);
      if (ref.kind === 'icon') expect(type, ref.url).toMatch(/^image\//);
      const content = await asset.arrayBuffer();
      expect(content.byteLength, ref.url).toBeGreaterThan(0);
      if (ref.kind === 'script' && content.byteLength < 10_000) {
        expect(new TextDecoder().decode(content)).toContain('/openapi.json');
      }
    }
  });

  it('serves no file outside its asset list', async () => {
    for (const path of [
      '/docs/assets/package.json',
      '/docs/assets/swagger-initializer.js',
      '/docs/assets/..%2Fpackage.json',
      '/docs/assets/..%2F..%2F..%2Fpackage.json',
      '/docs/assets/%2E%2E%2F%2E%2E%2Fkoa%2Fpackage.json',
      '/docs/assets/..%5C..%5Cpackage.json',
      '/docs/assets/../../package.json',
      '/docs/assets/../../../package.json',
    ]) {
      // Sent as written (fetch would resolve the dot segments before sending).
      const res = await rawGet(`${stack.apiUrl}${path}`);
      expect([404, 422], `${path} → ${res.status}`).toContain(res.status);
      expect(res.body).not.toContain('"dependencies"');
    }
  });
});
