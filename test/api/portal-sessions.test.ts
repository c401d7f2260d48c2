import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortalSession } from '../../src/db/entities/index.js';
import { startStack, type Stack, type Tenant } from '../helpers/stack.js';
import { createEndpoint } from '../helpers/api.js';

// Portal sessions through the real API: made with an API key, used with their own token on
// `/portal/v1` only, limited by read_only and event_types, revocable, and audited.

/** The token's random part, after `hkp_<expiry>_` (it may itself hold underscores). */
const randomPart = (token: string) => token.slice(token.indexOf('_', 'hkp_'.length) + 1);

const hook = 'http://127.0.0.1:9/hook';
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ worker: false });
});
afterAll(async () => {
  await stack?.stop();
});

/** A request with any bearer token to a path from the root. */
async function call(token: string | undefined, method: string, path: string, body?: unknown) {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: {
      ...(token !== undefined && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

const createSession = (tenant: Tenant, body: Record<string, unknown> = {}) => call(tenant.apiKey, 'POST', '/manage/v1/portal-sessions', body);

async function session(tenant: Tenant, body: Record<string, unknown> = {}) {
  const res = await createSession(tenant, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; token: string; url: string; expires_at: string };
}

const portal = (token: string, method: string, path: string, body?: unknown) => call(token, method, `/portal/v1${path}`, body);

async function auditEntries(tenant: Tenant) {
  const res = await call(tenant.apiKey, 'GET', '/manage/v1/audit-log?limit=100');
  expect(res.status).toBe(200);
  return res.body.data as { actor: string; action: string; resource_id: string; changes: Record<string, unknown> }[];
}

describe('POST /manage/v1/portal-sessions', () => {
  it('returns a token and the portal URL carrying it in the fragment, valid for an hour by default', async () => {
    const tenant = await stack.newTenant();
    const before = Date.now();
    const res = await createSession(tenant, { return_url: 'https://platform.example/settings' });
    expect(res.status).toBe(201);
    const s = res.body;
    expect(s).toMatchObject({
      object: 'portal_session',
      tenant_id: tenant.id,
      environment: 'test',
      read_only: false,
      event_types: null,
      return_url: 'https://platform.example/settings',
      revoked_at: null,
    });
    expect(s.id).toMatch(/^ps_[0-9A-Z]{26}$/);
    expect(s.token).toMatch(/^hkp_[0-9]+_[A-Za-z0-9_-]{43}$/);
    expect(s.url).toBe(`${stack.apiUrl}/portal#token=${s.token}`);
    const expires = Date.parse(s.expires_at);
    expect(expires).toBeGreaterThanOrEqual(before + 3600_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 3600_000 + 1000);
    // The expiry the page reads from the token is the session's.
    expect(Number(s.token.split('_')[1])).toBe(Math.floor(expires / 1000));

    const got = await call(tenant.apiKey, 'GET', `/manage/v1/portal-sessions/${s.id}`);
    expect(got.status).toBe(200);
    const { token: _token, url: _url, ...shown } = s;
    expect(got.body).toEqual(shown);
  });

  it('refuses out-of-range lifetimes, unknown fields and URLs with credentials with 422 at their place', async () => {
    const tenant = await stack.newTenant();
    for (const [body, loc] of [
      [{ expires_in: 59 }, ['body', 'expires_in']],
      [{ expires_in: 86_401 }, ['body', 'expires_in']],
      [{ expires_in: 'soon' }, ['body', 'expires_in']],
      [{ read_only: 'yes' }, ['body', 'read_only']],
      [{ event_types: [] }, ['body', 'event_types']],
      [{ event_types: ['Not A Type'] }, ['body', 'event_types', 0]],
      [{ return_url: 'https://user:pw@platform.example/' }, ['body', 'return_url']],
      [{ return_url: 'javascript:alert(1)' }, ['body', 'return_url']],
      [{ scopes: ['admin'] }, ['body', 'scopes']],
    ] as const) {
      const res = await createSession(tenant, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.detail.map((d: { loc: unknown }) => d.loc), JSON.stringify(body)).toContainEqual(loc);
    }
  });

  it('accepts a day at most and is audited without its token', async () => {
    const tenant = await stack.newTenant();
    const s = await session(tenant, { expires_in: 86_400, read_only: true, event_types: ['invoice.*'] });
    expect(Date.parse(s.expires_at) - Date.now()).toBeGreaterThan(86_300_000);
    const entry = (await auditEntries(tenant)).find((e) => e.action === 'portal_session.created' && e.resource_id === s.id);
    expect(entry).toMatchObject({ actor: expect.stringMatching(/^api_key:key_/), changes: { read_only: true, event_types: ['invoice.*'] } });
    expect(JSON.stringify(entry)).not.toContain(s.token);
    expect(JSON.stringify(entry)).not.toContain(randomPart(s.token));
  });

  it('needs the manage_webhooks scope', async () => {
    const publisher = await stack.newTenant({ scopes: ['publish_events'] });
    expect((await createSession(publisher)).status).toBe(403);
    expect((await call(undefined, 'POST', '/manage/v1/portal-sessions', {})).status).toBe(401);
  });

  it('lets only an admin name another tenant, which must exist', async () => {
    const owner = await stack.newTenant();
    const other = await stack.newTenant();
    const ep = await createEndpoint(other, { url: hook });
    const refused = await createSession(owner, { tenant_id: other.id });
    expect(refused.status).toBe(403);

    const admin = await stack.newTenant({ scopes: ['manage_webhooks', 'admin'] });
    const unknown = await createSession(admin, { tenant_id: 'no_such_tenant_anywhere' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.detail[0].loc).toEqual(['body', 'tenant_id']);

    const s = await session(admin, { tenant_id: other.id });
    const listed = await portal(s.token, 'GET', '/webhooks/endpoints');
    expect(listed.body.data.map((e: { id: string }) => e.id)).toEqual([ep.id]);
    // The audit entry is the customer's tenant's, naming the admin's key.
    expect((await auditEntries(other)).some((e) => e.action === 'portal_session.created' && e.resource_id === (s as { id: string }).id)).toBe(true);
  });
});

describe('the portal token', () => {
  it('works only on the portal routes, and the portal takes no API key', async () => {
    const tenant = await stack.newTenant();
    const s = await session(tenant);
    const onManage = await call(s.token, 'GET', '/manage/v1/webhooks/endpoints');
    expect(onManage.status).toBe(401);
    expect(onManage.body.error.message).toMatch(/portal/);
    expect((await call(s.token, 'POST', '/manage/v1/portal-sessions', {})).status).toBe(401);
    expect((await call(s.token, 'GET', '/manage/v1/audit-log')).status).toBe(401);

    const withKey = await call(tenant.apiKey, 'GET', '/portal/v1/webhooks/endpoints');
    expect(withKey.status).toBe(401);
    expect(withKey.body.error.type).toBe('unauthorized');
    expect((await call(undefined, 'GET', '/portal/v1/session')).status).toBe(401);
    expect((await call('hkp_1_short', 'GET', '/portal/v1/session')).status).toBe(401);
    // A well-formed token that was never issued.
    const forged = `hkp_${Math.floor(Date.now() / 1000) + 3600}_${'A'.repeat(43)}`;
    expect((await call(forged, 'GET', '/portal/v1/session')).body.error.type).toBe('unauthorized');
  });

  it("serves the session and the tenant's endpoints and deliveries, and audits changes as portal:<session id>", async () => {
    const tenant = await stack.newTenant();
    const stranger = await stack.newTenant();
    await createEndpoint(stranger, { url: hook });
    const s = await session(tenant, { return_url: 'https://platform.example/' });

    const me = await portal(s.token, 'GET', '/session');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: s.id, tenant_id: tenant.id, read_only: false, return_url: 'https://platform.example/' });
    expect(JSON.stringify(me.body)).not.toContain(s.token);

    const created = await portal(s.token, 'POST', '/webhooks/endpoints', { url: hook, event_types: ['invoice.paid'] });
    expect(created.status).toBe(201);
    expect(created.body.signing_secret).toMatch(/^whsec_/);
    const listed = await portal(s.token, 'GET', '/webhooks/endpoints');
    expect(listed.body.data.map((e: { id: string }) => e.id)).toEqual([created.body.id]);
    // Also seen through the management API: the same tenant.
    expect((await tenant.api('GET', `/endpoints/${created.body.id}`)).status).toBe(200);

    const paused = await portal(s.token, 'PATCH', `/webhooks/endpoints/${created.body.id}`, { status: 'paused' });
    expect(paused.status).toBe(200);
    const rotated = await portal(s.token, 'POST', `/webhooks/endpoints/${created.body.id}/rotate-secret`, {});
    expect(rotated.status).toBe(200);
    expect((await portal(s.token, 'GET', '/webhooks/deliveries')).status).toBe(200);
    expect((await portal(s.token, 'GET', `/webhooks/endpoints/${created.body.id}/stats`)).status).toBe(200);

    const actors = (await auditEntries(tenant)).filter((e) => e.resource_id === created.body.id).map((e) => [e.action, e.actor]);
    expect(actors).toEqual(
      expect.arrayContaining([
        ['endpoint.created', `portal:${s.id}`],
        ['endpoint.updated', `portal:${s.id}`],
        ['endpoint.secret_rotated', `portal:${s.id}`],
      ]),
    );
  });

  it('reads nothing of another tenant, and refuses the admin filters', async () => {
    const tenant = await stack.newTenant();
    const stranger = await stack.newTenant();
    const theirs = await createEndpoint(stranger, { url: hook });
    const s = await session(tenant);
    expect((await portal(s.token, 'GET', `/webhooks/endpoints/${theirs.id}`)).status).toBe(404);
    expect((await portal(s.token, 'PATCH', `/webhooks/endpoints/${theirs.id}`, { status: 'paused' })).status).toBe(404);
    expect((await portal(s.token, 'GET', `/webhooks/endpoints?tenant_id=${stranger.id}`)).status).toBe(403);
  });

  it('does not serve publishing, the audit log or sessions', async () => {
    const tenant = await stack.newTenant();
    const s = await session(tenant);
    expect((await portal(s.token, 'POST', '/webhooks/events', { type: 'invoice.paid', data: {} })).status).toBe(404);
    expect((await portal(s.token, 'GET', '/audit-log')).status).toBe(404);
    expect((await portal(s.token, 'POST', '/portal-sessions', {})).status).toBe(404);
  });
});

describe('a read-only session', () => {
  it('reads, and every mutation is a 403 that changes nothing', async () => {
    const tenant = await stack.newTenant();
    const ep = await createEndpoint(tenant, { url: hook });
    const s = await session(tenant, { read_only: true });
    expect((await portal(s.token, 'GET', '/webhooks/endpoints')).status).toBe(200);
    expect((await portal(s.token, 'GET', `/webhooks/endpoints/${ep.id}`)).status).toBe(200);
    expect((await portal(s.token, 'GET', '/webhooks/event-types')).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', '/webhooks/endpoints', { url: hook }],
      ['PATCH', `/webhooks/endpoints/${ep.id}`, { status: 'paused' }],
      ['DELETE', `/webhooks/endpoints/${ep.id}`, undefined],
      ['POST', `/webhooks/endpoints/${ep.id}/rotate-secret`, {}],
      ['POST', `/webhooks/endpoints/${ep.id}/test`, {}],
      ['POST', `/webhooks/endpoints/${ep.id}/verify`, {}],
      ['POST', `/webhooks/endpoints/${ep.id}/recover`, { since: new Date(Date.now() - 60_000).toISOString() }],
    ] as const) {
      const res = await portal(s.token, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.type).toBe('forbidden');
    }
    const after = await tenant.api('GET', `/endpoints/${ep.id}`);
    expect(after.body.status).toBe('active');
    expect((await tenant.api('GET', '/endpoints')).body.data).toHaveLength(1);
    expect((await auditEntries(tenant)).filter((e) => e.actor === `portal:${s.id}`)).toEqual([]);
  });
});

describe("a session's event types", () => {
  it('limit the catalogue it lists and what endpoints may subscribe to', async () => {
    const tenant = await stack.newTenant();
    const s = await session(tenant, { event_types: ['invoice.*', 'order.shipped'] });
    const types = await portal(s.token, 'GET', '/webhooks/event-types');
    const names = types.body.data.map((t: { name: string }) => t.name).sort();
    expect(names).toEqual(['invoice.created', 'invoice.paid', 'order.shipped']);

    const outside = await portal(s.token, 'POST', '/webhooks/endpoints', { url: hook, event_types: ['invoice.paid', 'order.created'] });
    expect(outside.status).toBe(422);
    expect(outside.body.error.detail.map((d: { loc: unknown }) => d.loc)).toEqual([['body', 'event_types', 1]]);
    const everything = await portal(s.token, 'POST', '/webhooks/endpoints', { url: hook, event_types: ['*'] });
    expect(everything.status).toBe(422);
    const none = await portal(s.token, 'POST', '/webhooks/endpoints', { url: hook });
    expect(none.status).toBe(422);
    expect(none.body.error.detail[0].loc).toEqual(['body', 'event_types']);

    const ok = await portal(s.token, 'POST', '/webhooks/endpoints', { url: hook, event_types: ['invoice.*', 'order.shipped'] });
    expect(ok.status).toBe(201);
    const widened = await portal(s.token, 'PATCH', `/webhooks/endpoints/${ok.body.id}`, { event_types: ['order.*'] });
    expect(widened.status).toBe(422);
    // Other fields may change without naming the event types again.
    expect((await portal(s.token, 'PATCH', `/webhooks/endpoints/${ok.body.id}`, { description: 'ours' })).status).toBe(200);
    // The management API keeps the whole catalogue.
    expect((await tenant.api('GET', '/event-types')).body.data.length).toBeGreaterThan(names.length);
  });
});

describe('revoked and expired sessions', () => {
  it('a revoked token stops at once, with a 401 that says so; revoking again changes nothing', async () => {
    const tenant = await stack.newTenant();
    const s = await session(tenant);
    expect((await portal(s.token, 'GET', '/session')).status).toBe(200);
    const revoked = await call(tenant.apiKey, 'DELETE', `/manage/v1/portal-sessions/${s.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
    for (const path of ['/session', '/webhooks/endpoints']) {
      const res = await portal(s.token, 'GET', path);
      expect(res.status).toBe(401);
      expect(res.body.error.type).toBe('session_revoked');
    }
    const again = await call(tenant.apiKey, 'DELETE', `/manage/v1/portal-sessions/${s.id}`);
    expect(again.body.revoked_at).toBe(revoked.body.revoked_at);
    expect((await auditEntries(tenant)).filter((e) => e.action === 'portal_session.revoked' && e.resource_id === s.id)).toHaveLength(1);
  });

  it("another tenant's session does not exist for the caller", async () => {
    const tenant = await stack.newTenant();
    const stranger = await stack.newTenant();
    const s = await session(tenant);
    expect((await call(stranger.apiKey, 'DELETE', `/manage/v1/portal-sessions/${s.id}`)).status).toBe(404);
    expect((await call(stranger.apiKey, 'GET', `/manage/v1/portal-sessions/${s.id}`)).status).toBe(404);
    expect((await portal(s.token, 'GET', '/session')).status).toBe(200);
  });

  it('an expired token gets a 401 session_expired', async () => {
    const tenant = await stack.newTenant();
    const s = await session(tenant, { expires_in: 60 });
    await stack.orm.em.fork().nativeUpdate(PortalSession, { id: s.id }, { expiresAt: new Date(Date.now() - 1000) });
    const res = await portal(s.token, 'GET', '/webhooks/endpoints');
    expect(res.status).toBe(401);
    expect(res.body.error.type).toBe('session_expired');
  });
});
