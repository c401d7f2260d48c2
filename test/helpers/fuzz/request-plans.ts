import fc from 'fast-check';
import type { Operation, OpenApiModel, JsonSchema } from './openapi-model.js';
import { abbreviate, headerText, hostileNumber, hostileString, RawJson, hugeString, deepJson, toJsonText } from './hostile-values.js';
import { hintsFor } from './field-hints.js';
import { valueFor, type Mode } from './schema-values.js';

/** Kinds of ids the fixtures hold, by prefix (`tenant` for tenant ids). */
export type IdKind = 'ep' | 'evt' | 'dlv' | 'tenant';

/**
 * An id chosen when the request is sent, since the test's resources change as it runs:
 * the `index`-th id (modulo how many there are) of the test's own tenant, of another tenant,
 * or of the test's endpoints that were deleted.
 */
export interface IdRef {
  id: { owner: 'own' | 'foreign' | 'deleted'; kind: IdKind; index: number };
}

/** Literal text; `raw` text goes on the wire as written, other text is percent-encoded first. */
export interface Text {
  text: string;
  raw: boolean;
}

export type PlannedValue = IdRef | Text;

export type Body =
  | { kind: 'none' }
  | { kind: 'json'; mode: Mode; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: number[] };

/** Whose credentials a request carries. */
export type Auth = 'own' | 'admin' | 'publish_only' | 'none' | 'unknown_key' | 'jwt' | 'basic' | 'malformed';

/** One request to send, in terms of the operation it was made for. */
export interface RequestPlan {
  operationId: string;
  method: string;
  params: Record<string, PlannedValue>;
  /** Appended to the path: nothing mostly, else a trailing slash, an extra segment, a dot segment. */
  pathSuffix: string;
  query: [string, PlannedValue][];
  auth: Auth;
  contentType: string | null;
  idempotencyKey: string | null;
  requestId: string | null;
  body: Body;
  chunked: boolean;
  /** How many copies of the request go out at once (mostly one). */
  copies: number;
}

/** What a plan needs from the running test to become concrete: real values for the hinted fields. */
export interface PlanContext {
  model: OpenApiModel;
  eventTypes: string[];
  assetNames: string[];
  /** Base URLs deliveries may go to: loopback only (a local receiver, a closed port). */
  loopbackBases: string[];
}

const ODD_METHODS = ['PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'TRACE', 'SEARCH', 'PURGE', 'REPORT', 'LINK', 'UNLINK', 'SUBSCRIBE', 'QUERY', 'BREW'];
const STANDARD_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

const CONTENT_TYPES = [
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/merge-patch+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
  'application/json, text/plain',
  '',
  '*/*',
];

const MALFORMED_JSON = ['{', '}', '[', '{"a":}', '{"a" 1}', "{'a': 1}", '{"a":1,}', 'nul', 'undefined', 'NaN', '\ufeff{}', '{"a":"\\x"}', '{"a":"\\ud800"}', '{}}', '{} {}', '"unterminated', '01', '{"a":1e}', '\u0000'];

/** Raw path segments: encoded NUL, dot segments, broken escapes, wrong prefixes, ids too long for the limits. */
const RAW_IDS = [
  'ep_%00',
  '..',
  '.',
  '%',
  '%zz',
  '%2F',
  '%2e%2e',
  '..%2F..%2Fpackage.json',
  'ep_%C0%AE',
  '%ED%A0%80',
  '%F0%9F%92%A9',
  'ep_%20',
  'ep_01ARZ3NDEKTSV4RRFFQ69G5FAV',
  'evt_01ARZ3NDEKTSV4RRFFQ69G5FAV',
  'dlv_01ARZ3NDEKTSV4RRFFQ69G5FAV',
  'dlv_01arz3ndektsv4rrffq69g5fav',
  'DLV_01ARZ3NDEKTSV4RRFFQ69G5FAV',
  '*',
  '$',
  "'",
  'a'.repeat(64),
  'a'.repeat(65),
  'a'.repeat(2000),
  'a'.repeat(20_000),
];

const UNKNOWN_QUERY_KEYS = ['foo', 'LIMIT', 'limit[]', 'limit[a]', '', '%00', 'a%00b', 'starting_after[x]', '__proto__', 'expand'];

/** A path or query value for an id-like parameter: mostly real ids of the right kind, sometimes garbage. */
function idValue(kind: IdKind | undefined): fc.Arbitrary<PlannedValue> {
  const index = fc.nat({ max: 1000 });
  const kinds: IdKind[] = ['ep', 'evt', 'dlv'];
  const own = kind ? [{ weight: 6, arbitrary: index.map((i): PlannedValue => ({ id: { owner: 'own', kind, index: i } })) }] : [];
  return fc.oneof(
    ...own,
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...kinds), index).map(([k, i]): PlannedValue => ({ id: { owner: 'own', kind: k, index: i } })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...kinds), index).map(([k, i]): PlannedValue => ({ id: { owner: 'foreign', kind: k, index: i } })) },
    { weight: 1, arbitrary: index.map((i): PlannedValue => ({ id: { owner: 'deleted', kind: 'ep', index: i } })) },
    { weight: 2, arbitrary: hostileString.map((text): PlannedValue => ({ text, raw: false })) },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_IDS).map((text): PlannedValue => ({ text, raw: true })) },
  );
}

/** The kind of id a path parameter takes, from the collection before it (`/endpoints/{id}`). */
function kindOfParam(template: string, name: string): IdKind | undefined {
  const segments = template.split('/');
  const collection = segments[segments.indexOf(`{${name}}`) - 1];
  return ({ endpoints: 'ep', events: 'evt', deliveries: 'dlv' } as Record<string, IdKind>)[collection ?? ''];
}

/** Query parameters that name ids: filters, cursors and the admin tenant filter. */
function kindOfQueryParam(name: string): IdKind | undefined | 'none' {
  if (name === 'endpoint_id') return 'ep';
  if (name === 'tenant_id') return 'tenant';
  if (['starting_after', 'ending_before', 'cursor', 'resource_id'].includes(name)) return undefined;
  return 'none';
}

function queryText(value: unknown): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(queryText);
  if (value instanceof RawJson) return [value.text];
  if (value && typeof value === 'object') return [JSON.stringify(value)];
  return [String(value)];
}

function queryPlan(op: Operation, ctx: PlanContext, mode: Mode): fc.Arbitrary<[string, PlannedValue][]> {
  const hints = hintsFor(ctx);
  const entries = op.parameters
    .filter((p) => p.in === 'query')
    .map((p) => {
      const kind = kindOfQueryParam(p.name);
      const fromSchema = valueFor(p.schema as JsonSchema, { mode, deref: (s) => ctx.model.deref(s), hints }, p.name).map((v) =>
        queryText(v).map((text): [string, PlannedValue] => [p.name, { text, raw: false }]),
      );
      const values: fc.Arbitrary<[string, PlannedValue][]>[] = [fromSchema];
      if (kind !== 'none') values.push(idValue(kind).map((v): [string, PlannedValue][] => [[p.name, v]]));
      if (mode !== 'valid') {
        values.push(
          // Repeated, empty, or hostile: what a query string can carry that JSON cannot.
          fc.tuple(fromSchema, fromSchema).map(([a, b]) => [...a, ...b]),
          fc.constant([[p.name, { text: '', raw: false }]] as [string, PlannedValue][]),
          hostileString.map((text): [string, PlannedValue][] => [[p.name, { text, raw: false }]]),
          fc.constantFrom('%00', '%', '%ZZ', '1%00', '+1', '%2B1', '0x10', '1e2', '-0', '%ED%A0%80').map((text): [string, PlannedValue][] => [[p.name, { text, raw: true }]]),
        );
      }
      // Each parameter now and then; the admin filters rarely, since without the scope they are a 403.
      const absent = p.name === 'tenant_id' || p.name === 'partner_id' ? 9 : 3;
      return fc.oneof({ weight: absent, arbitrary: fc.constant([] as [string, PlannedValue][]) }, { weight: 1, arbitrary: fc.oneof(...values) });
    });
  const unknown: fc.Arbitrary<[string, PlannedValue][]> =
    mode === 'invalid'
      ? fc.option(fc.tuple(fc.constantFrom(...UNKNOWN_QUERY_KEYS), hostileString).map(([k, v]): [string, PlannedValue][] => [[k, { text: v, raw: false }]]), { freq: 2, nil: [] })
      : fc.constant([]);
  return fc.tuple(fc.tuple(...entries), unknown).map(([known, extra]) => [...known.flat(), ...extra]);
}

function bodyPlan(op: Operation, ctx: PlanContext, mode: Mode): fc.Arbitrary<Body> {
  const malformed = fc.oneof(
    fc.constantFrom(...MALFORMED_JSON),
    // A valid document cut short.
    fc.tuple(fc.jsonValue({ maxDepth: 2 }), fc.nat()).map(([v, cut]) => {
      const text = JSON.stringify(v);
      return text.slice(0, cut % Math.max(1, text.length));
    }),
  ).map((text): Body => ({ kind: 'text', text }));
  const whitespace = fc.constantFrom('', ' ', '\n\t ').map((text): Body => ({ kind: 'text', text }));
  const oversized = hugeString.map((s): Body => ({ kind: 'json', mode: 'hostile', value: { data: s } }));
  const bytes = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 20 }).map((b): Body => ({ kind: 'bytes', bytes: b }));
  const nonObject = fc.oneof(deepJson, hostileString, hostileNumber, fc.constantFrom(null, true, [], [{}], 'null')).map((value): Body => ({ kind: 'json', mode: 'invalid', value }));
  if (!op.body) {
    return fc.oneof(
      { weight: 12, arbitrary: fc.constant<Body>({ kind: 'none' }) },
      { weight: 1, arbitrary: fc.constantFrom({}, { a: 1 }).map((value): Body => ({ kind: 'json', mode: 'invalid', value })) },
      { weight: 1, arbitrary: malformed },
      { weight: 1, arbitrary: whitespace },
    );
  }
  const value = valueFor(op.body.schema, { mode, deref: (s) => ctx.model.deref(s), hints: hintsFor(ctx) }).map((v): Body => ({ kind: 'json', mode, value: v }));
  return fc.oneof(
    { weight: 14, arbitrary: value },
    { weight: 1, arbitrary: fc.constant<Body>({ kind: 'none' }) },
    { weight: 1, arbitrary: whitespace },
    { weight: 2, arbitrary: malformed },
    { weight: 1, arbitrary: oversized },
    { weight: 1, arbitrary: bytes },
    { weight: mode === 'invalid' ? 3 : 0, arbitrary: nonObject },
  );
}

const IDEMPOTENCY_KEYS = fc.oneof(
  // A few keys over and over, so that retries with the same and with other bodies happen.
  { weight: 3, arbitrary: fc.constantFrom('fuzz-key-1', 'fuzz-key-2', 'fuzz-key-3') },
  { weight: 1, arbitrary: headerText(40) },
  { weight: 1, arbitrary: fc.constantFrom('k'.repeat(255), 'k'.repeat(256), 'k'.repeat(4000)) },
);

const REQUEST_IDS = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._-]{1,100}$/),
  fc.constantFrom('r'.repeat(101), 'has space', 'semi;colon', 'ünïcode', '../..'),
  headerText(30),
);

/**
 * Requests for one operation of the document: its path with real or garbage ids, its query and
 * body from its schemas (valid, with hostile values, or with invalid shapes), and now and then
 * another method, content type, credentials or framing.
 */
export function planArbitrary(op: Operation, ctx: PlanContext): fc.Arbitrary<RequestPlan> {
  const mode = fc.constantFrom<Mode>('valid', 'valid', 'hostile', 'invalid');
  const params = Object.fromEntries(
    op.parameters
      .filter((p) => p.in === 'path')
      .map((p) => {
        const kind = kindOfParam(op.template, p.name);
        const value =
          p.name === 'file' && ctx.assetNames.length > 0
            ? fc.oneof(
                { weight: 3, arbitrary: fc.constantFrom(...ctx.assetNames).map((text): PlannedValue => ({ text, raw: false })) },
                idValue(undefined),
              )
            : idValue(kind);
        return [p.name, value];
      }),
  );
  const documented = ctx.model.methodsOf(op.template);
  const method = fc.oneof(
    { weight: 16, arbitrary: fc.constant(op.method.toUpperCase()) },
    { weight: 2, arbitrary: fc.constantFrom(...new Set([...documented, ...STANDARD_METHODS])) },
    { weight: 1, arbitrary: fc.constantFrom('HEAD', 'OPTIONS') },
    { weight: 1, arbitrary: fc.constantFrom(...ODD_METHODS) },
  );
  const auth = fc.oneof(
    { weight: 24, arbitrary: fc.constant<Auth>('own') },
    // The test tenant's own admin key: cross-tenant reads, writes still to its own tenant.
    { weight: 3, arbitrary: fc.constant<Auth>('admin') },
    { weight: 1, arbitrary: fc.constantFrom<Auth>('publish_only', 'none', 'unknown_key', 'jwt', 'basic', 'malformed') },
  );
  return mode.chain((m) =>
    fc
      .record({
        method,
        params: fc.record(params),
        pathSuffix: fc.oneof({ weight: 20, arbitrary: fc.constant('') }, fc.constantFrom('/', '/x', '/..', '//', '/%2F')),
        query: queryPlan(op, ctx, m),
        auth,
        contentType: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) }),
        dropContentType: fc.oneof({ weight: 20, arbitrary: fc.constant(false) }, fc.constant(true)),
        idempotencyKey: fc.option(IDEMPOTENCY_KEYS, { freq: 2 }),
        requestId: fc.option(REQUEST_IDS, { freq: 2 }),
        body: bodyPlan(op, ctx, m),
        chunked: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, fc.constant(true)),
        copies: fc.oneof({ weight: 14, arbitrary: fc.constant(1) }, fc.constantFrom(2, 4)),
      })
      .map(({ dropContentType, contentType, ...rest }): RequestPlan => {
        const hasBody = rest.body.kind !== 'none';
        const plan: RequestPlan = {
          operationId: op.operationId,
          ...rest,
          // A body is sent as JSON unless the plan picked another type, or none at all.
          contentType: dropContentType ? null : (contentType ?? (hasBody ? 'application/json' : null)),
        };
        return Object.assign(plan, { [fc.toStringMethod]: () => describePlan(plan) });
      }),
  );
}

/** A plan in a line or few, with huge values cut short (fast-check prints counterexamples with it). */
export function describePlan(plan: RequestPlan): string {
  const { body, ...rest } = plan;
  const bodyText =
    body.kind === 'json' ? `json(${body.mode}) ${abbreviate(toJsonText(body.value), 400)}` : body.kind === 'text' ? `text ${JSON.stringify(abbreviate(body.text))}` : body.kind === 'bytes' ? `bytes [${body.bytes.join(',')}]` : 'none';
  const json = JSON.stringify(rest, (_k, v) => (typeof v === 'string' ? abbreviate(v, 120) : v));
  return `${json} body: ${bodyText}`;
}
