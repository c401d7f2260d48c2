import { z } from 'zod';
import type { RegisteredRoute } from './route-table.js';
import { packageVersion } from '../src/version.js';

type JsonSchema = Record<string, unknown>;

/** An OpenAPI 3.1 document (only the parts this module writes are typed). */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, unknown>;
    parameters: Record<string, unknown>;
    headers: Record<string, unknown>;
    securitySchemes: Record<string, unknown>;
  };
}

interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: Record<string, string[]>[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
}

const TAG_DESCRIPTIONS: Record<string, string> = {
  Endpoints: 'Where deliveries go: URLs, event-type filters, signing secrets, status.',
  Events: 'Publishing events and the event-type catalogue.',
  Deliveries: 'One delivery per event and endpoint, with every attempt.',
  'Audit log': 'Who changed what, written in the same transaction as the change.',
  Operations: 'Health, readiness and this API reference; no authentication.',
  Portal: "The customer portal: its sessions (made with an API key) and its page.",
  'Portal API':
    "What the portal page calls, with a portal session token: the endpoint, delivery and event-type routes of `/manage/v1/webhooks`, " +
    "under `/portal/v1/webhooks`, for the session's tenant only (mutations refused on a read-only session).",
};

const ErrorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['type', 'message', 'request_id'],
      properties: {
        type: { type: 'string', description: 'Machine-readable error type, e.g. `not_found`, `validation_error`.' },
        message: { type: 'string' },
        request_id: { type: 'string', description: 'Also sent as the `X-Request-Id` header.' },
        detail: {
          type: 'array',
          description: 'Validation failures (422): one item per problem.',
          items: {
            type: 'object',
            required: ['loc', 'msg', 'type'],
            properties: {
              loc: {
                type: 'array',
                items: { type: ['string', 'integer'] },
                description: 'Where the problem is, starting with `body`, `query` or `params`.',
              },
              msg: { type: 'string' },
              type: { type: 'string' },
            },
          },
        },
      },
    },
  },
};

/** The error responses a route may give, by status, with the condition that makes them possible. */
const ERROR_RESPONSES: { status: number; name: string; description: string; applies: (r: RegisteredRoute) => boolean }[] = [
  { status: 400, name: 'BadRequest', description: 'Malformed JSON body (`malformed_json`) or a malformed header.', applies: (r) => !!r.body || !!r.idempotent },
  {
    status: 401,
    name: 'Unauthorized',
    description:
      'Missing, invalid or revoked bearer token (`unauthorized`); on the portal, also an expired or revoked session (`session_expired`, `session_revoked`).',
    applies: (r) => !!r.scope || !!r.security,
  },
  {
    status: 403,
    name: 'Forbidden',
    description: 'The token lacks the scope this route needs, or a read-only portal session tried a change (`forbidden`).',
    applies: (r) => !!r.scope,
  },
  { status: 404, name: 'NotFound', description: 'No such resource in this tenant and environment (`not_found`).', applies: (r) => hasPathParams(r) },
  { status: 409, name: 'Conflict', description: 'A request with the same `Idempotency-Key` is still being processed.', applies: (r) => !!r.idempotent },
  { status: 413, name: 'PayloadTooLarge', description: 'The body exceeds the size limit (`payload_too_large`).', applies: (r) => !!r.body },
  { status: 415, name: 'UnsupportedMediaType', description: 'The body is not `application/json` (`unsupported_media_type`).', applies: (r) => !!r.body },
  {
    status: 422,
    name: 'ValidationError',
    description: 'The request failed validation (`validation_error`); `detail` locates each problem.',
    applies: (r) => !!(r.body || r.query || r.params) || !!r.idempotent,
  },
  { status: 500, name: 'InternalError', description: 'Unexpected failure; the body carries only the request id (`internal_error`).', applies: () => true },
  {
    status: 503,
    name: 'ServiceUnavailable',
    description:
      'PostgreSQL is unreachable (`service_unavailable`), or a request holding an `Idempotency-Key` ran past its deadline ' +
      '(`request_timeout`); `Retry-After` says when to try again.',
    applies: (r) => !!r.scope,
  },
];

/** Routes served outside the route table (plain Koa routes in `api/app.ts`), documented here. */
export const OPERATIONS_ROUTES: RegisteredRoute[] = [
  {
    method: 'get',
    path: '/healthz',
    fullPath: '/healthz',
    operationId: 'getHealth',
    summary: 'Liveness probe',
    description: 'Answers as long as the process is up.',
    tag: 'Operations',
    scope: null,
    responses: { 200: { description: 'The process is up', schema: z.object({ status: z.literal('ok') }) } },
  },
  {
    method: 'get',
    path: '/readyz',
    fullPath: '/readyz',
    operationId: 'getReadiness',
    summary: 'Readiness probe',
    description: 'Checks that PostgreSQL and Temporal answer.',
    tag: 'Operations',
    scope: null,
    responses: {
      200: { description: 'Database and Temporal reachable', schema: z.object({ status: z.literal('ready') }) },
      503: { description: 'A dependency is unreachable', schema: z.object({ status: z.literal('unavailable'), reason: z.string() }) },
    },
  },
];

/** Koa's `/endpoints/:id` as OpenAPI's `/endpoints/{id}`. */
export function toOpenApiPath(koaPath: string): string {
  return koaPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

function pathParamNames(route: RegisteredRoute): string[] {
  return [...route.fullPath.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
}

function hasPathParams(route: RegisteredRoute): boolean {
  return pathParamNames(route).length > 0;
}

/**
 * Converts zod schemas to JSON Schema (draft 2020-12, which OpenAPI 3.1 uses) and moves any
 * `$defs` (schemas with an `id` in zod's registry, recursive schemas) into `components.schemas`,
 * since `#/$defs/…` would otherwise resolve against the document root.
 */
class SchemaConverter {
  readonly components: Record<string, JsonSchema> = {};

  convert(schema: z.ZodType, io: 'input' | 'output', nameHint: string): JsonSchema {
    const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
    delete json.$schema;
    const defs = (json.$defs ?? {}) as Record<string, JsonSchema>;
    delete json.$defs;
    if (Object.keys(defs).length === 0 && !containsRef(json, '#')) return json;

    // Names as they would be without clashes, to recognise a schema that is already a component.
    const identity = new Map(Object.keys(defs).map((name) => [`#/$defs/${name}`, `#/components/schemas/${name}`]));
    const renamed = new Map<string, string>();
    for (const [name, def] of Object.entries(defs)) {
      renamed.set(`#/$defs/${name}`, `#/components/schemas/${this.claim(name, rewriteRefs(def, identity) as JsonSchema)}`);
    }
    let root: JsonSchema | undefined;
    if (containsRef(json, '#')) {
      // A recursive root refers to itself as "#": it becomes a component of its own.
      const name = this.claim(nameHint, undefined);
      renamed.set('#', `#/components/schemas/${name}`);
      root = { $ref: `#/components/schemas/${name}` };
    }
    for (const [name, def] of Object.entries(defs)) {
      this.components[componentName(renamed.get(`#/$defs/${name}`)!)] = rewriteRefs(def, renamed) as JsonSchema;
    }
    const rewritten = rewriteRefs(json, renamed) as JsonSchema;
    if (!root) return rewritten;
    this.components[componentName(renamed.get('#')!)] = rewritten;
    return root;
  }

  /** Reserves `name` (or `name_2`, …) unless a component of that name already holds `schema`. */
  private claim(name: string, schema: JsonSchema | undefined): string {
    const base = name.replace(/[^A-Za-z0-9._-]/g, '_');
    for (let i = 1; ; i++) {
      const candidate = i === 1 ? base : `${base}_${i}`;
      const existing = this.components[candidate];
      if (!existing) {
        this.components[candidate] = {};
        return candidate;
      }
      if (schema && JSON.stringify(existing) === JSON.stringify(schema)) return candidate;
    }
  }
}

function componentName(ref: string): string {
  return ref.slice('#/components/schemas/'.length);
}

function containsRef(value: unknown, ref: string): boolean {
  if (Array.isArray(value)) return value.some((v) => containsRef(v, ref));
  if (value && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => (k === '$ref' && v === ref) || containsRef(v, ref));
  }
  return false;
}

function rewriteRefs(value: unknown, renamed: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, renamed));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? (renamed.get(v) ?? v) : rewriteRefs(v, renamed)]),
    );
  }
  return value;
}

function parametersOf(
  converter: SchemaConverter,
  route: RegisteredRoute,
  where: 'path' | 'query',
  schema: z.ZodType | undefined,
): unknown[] {
  const names = where === 'path' ? pathParamNames(route) : [];
  const json = schema ? converter.convert(schema, 'input', `${route.operationId}_${where}`) : { type: 'object', properties: {} };
  const properties = json.properties as Record<string, JsonSchema> | undefined;
  if (!properties) {
    // Not a plain object (a record, a union…): one form-exploded parameter describes it.
    return [{ name: where, in: where, schema: json, style: 'form', explode: true }];
  }
  const required = new Set((json.required as string[] | undefined) ?? []);
  const params = Object.entries(properties).map(([name, prop]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(typeof prop.description === 'string' && { description: prop.description }),
    schema: prop,
  }));
  // Every `{name}` of the path needs a parameter, even without a params schema.
  for (const name of names) {
    if (!properties[name]) params.push({ name, in: 'path', required: true, schema: { type: 'string' } });
  }
  return where === 'path' ? params.filter((p) => names.includes(p.name)) : params;
}

function operationOf(converter: SchemaConverter, route: RegisteredRoute): Operation {
  const parameters = [
    ...parametersOf(converter, route, 'path', route.params),
    ...(route.query ? parametersOf(converter, route, 'query', route.query) : []),
    ...(route.idempotent ? [{ $ref: '#/components/parameters/IdempotencyKey' }] : []),
  ];
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    responses[status] = {
      description: response.description,
      headers: {
        'X-Request-Id': { $ref: '#/components/headers/RequestId' },
        ...(route.idempotent && { 'Idempotent-Replayed': { $ref: '#/components/headers/IdempotentReplayed' } }),
      },
      ...(response.schema && {
        content: { 'application/json': { schema: converter.convert(response.schema, 'output', `${route.operationId}_${status}`) } },
      }),
    };
  }
  for (const error of ERROR_RESPONSES) {
    if (error.applies(route) && !responses[error.status]) responses[error.status] = { $ref: `#/components/responses/${error.name}` };
  }
  const scopeNote = route.scope ? `Requires the \`${route.scope}\` scope (or \`admin\`).` : undefined;
  const description = [route.description, scopeNote].filter(Boolean).join('\n\n');
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(description && { description }),
    tags: [route.tag],
    ...((route.scope || route.security) && { security: [{ [route.security ?? 'bearerAuth']: [] }] }),
    ...(parameters.length > 0 && { parameters }),
    ...(route.body && {
      requestBody: {
        // A body schema with a default (or optional) lets the caller send no body at all.
        required: !route.body.safeParse(undefined).success,
        content: { 'application/json': { schema: converter.convert(route.body, 'input', `${route.operationId}_body`) } },
      },
    }),
    responses,
  };
}

/**
 * The OpenAPI 3.1 document of `routes` (the route table plus the operations routes), generated
 * from the same zod schemas that validate requests.
 */
export function buildOpenApiDocument(routes: readonly RegisteredRoute[]): OpenApiDocument {
  const converter = new SchemaConverter();
  const paths: OpenApiDocument['paths'] = {};
  const operationIds = new Set<string>();
  const tags: string[] = [];
  for (const route of routes) {
    if (operationIds.has(route.operationId)) throw new Error(`duplicate operationId "${route.operationId}" in the route table`);
    operationIds.add(route.operationId);
    const path = toOpenApiPath(route.fullPath);
    const item = (paths[path] ??= {});
    if (item[route.method]) throw new Error(`${route.method.toUpperCase()} ${path} is declared twice in the route table`);
    item[route.method] = operationOf(converter, route);
    if (!tags.includes(route.tag)) tags.push(route.tag);
  }
  const error = (description: string) => ({
    description,
    headers: { 'X-Request-Id': { $ref: '#/components/headers/RequestId' } },
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  });
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hookline',
      version: packageVersion(),
      description:
        'Webhook delivery engine: durable, signed, retried deliveries. JSON everywhere, snake_case fields, ISO-8601 UTC times. ' +
        'Errors share one shape (`Error`); validation failures are 422 with `detail[].loc`.',
    },
    servers: [{ url: '/' }],
    tags: tags.map((name) => ({ name, ...(TAG_DESCRIPTIONS[name] && { description: TAG_DESCRIPTIONS[name] }) })),
    paths,
    components: {
      schemas: { Error: ErrorSchema, ...converter.components },
      responses: Object.fromEntries(ERROR_RESPONSES.map((e) => [e.name, error(e.description)])),
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Makes a retry safe: the same key with the same body replays the first response (24 h, per tenant and route); ' +
            'with a different body it is a 422 `idempotency_key_reused`; while the first request runs, a 409.',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        },
      },
      headers: {
        RequestId: { description: 'The id of this request, also in error bodies.', schema: { type: 'string' } },
        IdempotentReplayed: { description: '`true` when the response is a replay of an earlier request with the same `Idempotency-Key`.', schema: { type: 'string', enum: ['true'] } },
      },
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API key (`hk_test_…` for the test environment, `hk_live_…` for live; it fixes tenant, environment and scopes) ' +
            'or an admin JWT whose claims carry the tenant and scopes. Scopes: `manage_webhooks`, `publish_events`, `admin`.',
        },
        portalToken: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A portal session token (`hkp_…`, from `POST /manage/v1/portal-sessions`): one tenant and environment, until it expires or is revoked. ' +
            'Accepted only under `/portal/v1`.',
        },
      },
    },
  };
}
