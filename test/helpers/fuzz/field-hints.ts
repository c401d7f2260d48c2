import fc from 'fast-check';
import type { PlanContext } from './request-plans.js';
import type { Hint } from './schema-values.js';

/** URLs that can only lead to loopback: the given bases with hostile paths. */
function reachableUrl(bases: string[]): fc.Arbitrary<string> {
  const tail = fc.oneof(
    fc.constantFrom('/hook', '/', '/a/../b', '/%00', '/%zz', '/?q=1#f', '/ü/💩', '/\\evil', '/@evil', '?only=query', '#only-fragment'),
    fc.webPath().map((p) => `/${p.replace(/^\/+/, '')}`),
  );
  // Every URL is one of the bases followed by '/', '?' or '#', so its host is the base's.
  return fc.tuple(fc.constantFrom(...bases), tail).map(([b, t]) => b + t);
}

/** URLs the API must refuse, none of which leads off loopback either. */
function refusedUrl(bases: string[]): fc.Arbitrary<string> {
  const base = fc.constantFrom(...bases);
  return fc.oneof(
    fc.tuple(base, fc.constantFrom('ftp', 'file', 'gopher', 'javascript', 'ws', '')).map(([b, scheme]) => (scheme ? b.replace(/^http/, scheme) : b.replace(/^http:/, '')) + '/hook'),
    base.map((b) => b.replace('://', '://user:pass@') + '/hook'),
    base.map((b) => `${b}/${'x'.repeat(2100)}`),
    fc.constantFrom('not a url', 'http://', 'http://:9/', 'http://127.0.0.1:65536/', 'http://[::1/', 'http://127.0.0.1:9:9/', '//127.0.0.1:9/', 'http//127.0.0.1:9', ''),
  );
}

/** A valid signing secret: `whsec_` + base64 of 24–64 bytes. */
const signingSecret = fc.uint8Array({ minLength: 24, maxLength: 64 }).map((b) => `whsec_${Buffer.from(b).toString('base64')}`);
/** Signing secrets just outside the rules: too short, too long, not base64, another prefix. */
const straySigningSecret = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 23 }).map((b) => `whsec_${Buffer.from(b).toString('base64')}`),
  fc.uint8Array({ minLength: 65, maxLength: 100 }).map((b) => `whsec_${Buffer.from(b).toString('base64')}`),
  fc.constantFrom('whsec_', 'whsec_!!!!', 'sk_live_x', 'whsec_' + 'A'.repeat(5000)),
);

/**
 * Values for the request members whose JSON Schema says too little: endpoint URLs (loopback only,
 * so nothing the fuzz creates delivers anywhere else), event types from the catalogue, signing secrets.
 */
export function hintsFor(ctx: Pick<PlanContext, 'eventTypes' | 'loopbackBases'>): Record<string, Hint> {
  const eventType = fc.constantFrom(...ctx.eventTypes);
  const filter = fc.oneof({ weight: 4, arbitrary: eventType }, fc.constantFrom('*', 'order.*'));
  const strayType = fc.constantFrom('*', 'order.*', 'nope.unknown', 'ORDER.CREATED', 'order..created', '.', 'a'.repeat(201));
  return {
    url: { valid: reachableUrl(ctx.loopbackBases), stray: refusedUrl(ctx.loopbackBases) },
    type: { valid: eventType, stray: strayType },
    event_type: { valid: eventType, stray: strayType },
    event_types: { valid: fc.array(filter, { maxLength: 4 }), stray: fc.array(fc.oneof(filter, strayType), { minLength: 1, maxLength: 4 }) },
    secret: { valid: signingSecret, stray: straySigningSecret },
  };
}
