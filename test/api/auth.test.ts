import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { Tenant as TenantEntity, type Environment, type Scope } from '../../src/db/entities/index.js';
import { createApiKey } from '../../src/services/api-keys.js';
import { startStack, type Stack, type Tenant } from '../helpers/stack.js';
import { createEndpoint } from '../helpers/api.js';

const SECRET = `test-secret-${randomBytes(16).toString('hex')}`;
const testUrl = 'http://127.0.0.1:9/hook';
const liveUrl = 'https://127.0.0.1:9/hook';

/** A request to `/manage/v1<path>` with any bearer token. */
async function call(stack: Stack, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${stack.apiUrl}/manage/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** An HS256 token for `claims`, valid for five minutes unless the claims say otherwise. */
async function hs256(claims: JWTPayload, secret = SECRET): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(claims.exp ?? '5m')
    .sign(new TextEncoder().encode(secret));
}

/** Another API key of an existing tenant. */
async function keyOf(stack: Stack, tenantId: string, environment: Environment, scopes: Scope[] = ['manage_webhooks']) {
  const { key } = await createApiKey(stack.orm.em.fork(), { tenantId, environment, scopes });
  return key;
}

/** A fresh tenant that belongs to `partnerId`. */
async function partnerTenant(stack: Stack, partnerId: string): Promise<Tenant> {
  const tenant = await stack.newTenant();
  await stack.orm.em.fork().nativeUpdate(TenantEntity, { id: tenant.id }, { partnerId });
  return tenant;
}

const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((e) => e.id).sort();

describe('admin JWTs signed with HOOKLINE_JWT_SECRET', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ extraEnv: { HOOKLINE_JWT_SECRET: SECRET } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('authenticates a valid HS256 JWT as its tenant, with its scopes, named after its subject', async () => {
    const tenant = await stack.newTenant();
    const token = await hs256({ tenant_id: tenant.id, scopes: ['manage_webhooks'], environment: 'test', sub: 'alice' });
    const created = await call(stack, token, 'POST', '/webhooks/endpoints', { url: testUrl });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    // The endpoint belongs to the token's tenant and environment: the tenant's own key sees it.
    const viaKey = await tenant.api('GET', `/endpoints/${created.body.id}`);
    expect(viaKey.status).toBe(200);
    const audit = await call(stack, token, 'GET', `/audit-log?resource_id=${created.body.id}`);
    expect(audit.status).toBe(200);
    expect(audit.body.data.map((e: { actor: string }) => e.actor)).toEqual(['jwt:alice']);

    const publish = await call(stack, token, 'POST', '/webhooks/events', { type: 'order.created', data: {} });
    expect(publish.status).toBe(403);
  });

  it('reads scopes from a space-separated "scope" claim and ignores scopes it does not know', async () => {
    const tenant = await stack.newTenant();
    const token = await hs256({ tenant_id: tenant.id, scope: 'openid manage_webhooks', environment: 'test' });
    expect((await call(stack, token, 'GET', '/webhooks/endpoints')).status).toBe(200);
    const noScope = await hs256({ tenant_id: tenant.id, scope: 'openid profile', environment: 'test' });
    expect((await call(stack, noScope, 'GET', '/webhooks/endpoints')).status).toBe(403);
  });

  it('answers 403 on GET /endpoints to a JWT without manage_webhooks', async () => {
    const tenant = await stack.newTenant();
    const token = await hs256({ tenant_id: tenant.id, scopes: ['publish_events'], environment: 'test' });
    const res = await call(stack, token, 'GET', '/webhooks/endpoints');
    expect(res.status).toBe(403);
    expect(res.body.error.type).toBe('forbidden');
  });

  it('answers 401, without echoing the token, to bad JWTs', async () => {
    const tenant = await stack.newTenant();
    const now = Math.floor(Date.now() / 1000);
    const good = { tenant_id: tenant.id, scopes: ['manage_webhooks'], environment: 'test' };
    const cases: [string, string, RegExp][] = [
      ['wrong signature', await hs256(good, `another-secret-${randomBytes(16).toString('hex')}`), /signature/],
      ['expired', await hs256({ ...good, exp: now - 600 }), /expired/],
      ['not valid yet', await hs256({ ...good, nbf: now + 600 }), /not valid yet/],
      ['missing tenant_id', await hs256({ scopes: ['manage_webhooks'], environment: 'test' }), /tenant_id/],
      ['unknown tenant', await hs256({ ...good, tenant_id: `nope_${randomBytes(4).toString('hex')}` }), /unknown tenant/],
      ['bad environment', await hs256({ ...good, environment: 'staging' }), /environment/],
      ['alg none', new UnsecuredJWT(good).setExpirationTime('5m').encode(), /algorithm|malformed/],
      [
        'no exp',
        await new SignJWT(good).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET)),
        /"exp"/,
      ],
      ['malformed', 'not.a.jwt', /malformed/],
    ];
    for (const [what, token, message] of cases) {
      const res = await call(stack, token, 'GET', '/webhooks/endpoints');
      expect(res.status, what).toBe(401);
      expect(res.body.error.type, what).toBe('unauthorized');
      expect(res.body.error.message, what).toMatch(message);
      expect(JSON.stringify(res.body), what).not.toContain(token);
      expect(JSON.stringify(res.body), what).not.toContain('nope_');
    }
  });

  it('keeps test and live apart: a key of one environment gets 404 for the other environment\'s endpoint', async () => {
    const tenant = await stack.newTenant();
    const liveKey = await keyOf(stack, tenant.id, 'live');
    const live = await call(stack, liveKey, 'POST', '/webhooks/endpoints', { url: liveUrl });
    expect(live.status, JSON.stringify(live.body)).toBe(201);
    const test = await createEndpoint(tenant, { url: testUrl });

    expect((await tenant.api('GET', `/endpoints/${live.body.id}`)).status).toBe(404);
    expect(ids(await tenant.api('GET', '/endpoints'))).toEqual([test.id]);
    expect((await call(stack, liveKey, 'GET', `/webhooks/endpoints/${test.id}`)).status).toBe(404);

    // A JWT without an environment claim is live.
    const token = await hs256({ tenant_id: tenant.id, scopes: ['manage_webhooks'] });
    expect(ids(await call(stack, token, 'GET', '/webhooks/endpoints'))).toEqual([live.body.id]);
    expect((await call(stack, token, 'GET', `/webhooks/endpoints/${test.id}`)).status).toBe(404);
  });

  describe('admin cross-tenant reads', () => {
    it("lets an admin JWT list and get another tenant's endpoints with ?tenant_id=", async () => {
      const admin = await stack.newTenant();
      const other = await stack.newTenant();
      const own = await createEndpoint(admin, { url: testUrl });
      const theirs = await createEndpoint(other, { url: testUrl });
      const token = await hs256({ tenant_id: admin.id, scopes: ['admin'], environment: 'test', sub: 'ops' });

      expect(ids(await call(stack, token, 'GET', '/webhooks/endpoints'))).toEqual([own.id]);
      expect(ids(await call(stack, token, 'GET', `/webhooks/endpoints?tenant_id=${other.id}`))).toEqual([theirs.id]);
      expect((await call(stack, token, 'GET', `/webhooks/endpoints/${theirs.id}`)).status).toBe(404);
      const one = await call(stack, token, 'GET', `/webhooks/endpoints/${theirs.id}?tenant_id=${other.id}`);
      expect(one.status).toBe(200);
      expect(one.body.id).toBe(theirs.id);
      const audit = await call(stack, token, 'GET', `/audit-log?tenant_id=${other.id}&resource_id=${theirs.id}`);
      expect(audit.body.data.map((e: { action: string }) => e.action)).toEqual(['endpoint.created']);
    });

    it("lets an admin API key list a partner's tenants with ?partner_id=, and intersect it with ?tenant_id=", async () => {
      const partner = `prt_${randomBytes(4).toString('hex')}`;
      const [p1, p2] = [await partnerTenant(stack, partner), await partnerTenant(stack, partner)];
      const outsider = await stack.newTenant();
      const e1 = await createEndpoint(p1, { url: testUrl });
      const e2 = await createEndpoint(p2, { url: testUrl });
      await createEndpoint(outsider, { url: testUrl });
      const admin = await stack.newTenant({ scopes: ['admin'] });

      expect(ids(await admin.api('GET', `/endpoints?partner_id=${partner}`))).toEqual([e1.id, e2.id].sort());
      expect(ids(await admin.api('GET', `/endpoints?partner_id=${partner}&tenant_id=${p2.id}`))).toEqual([e2.id]);
      expect(ids(await admin.api('GET', `/endpoints?partner_id=${partner}&tenant_id=${outsider.id}`))).toEqual([]);
      expect(ids(await admin.api('GET', `/endpoints?partner_id=prt_without_tenants`))).toEqual([]);
      expect((await admin.api('GET', `/endpoints/${e1.id}?partner_id=${partner}`)).status).toBe(200);
    });

    it('reads only the same environment across tenants', async () => {
      const other = await stack.newTenant();
      const live = await call(stack, await keyOf(stack, other.id, 'live'), 'POST', '/webhooks/endpoints', { url: liveUrl });
      expect(live.status).toBe(201);
      const admin = await stack.newTenant({ scopes: ['admin'] });
      expect(ids(await admin.api('GET', `/endpoints?tenant_id=${other.id}`))).toEqual([]);
      expect((await admin.api('GET', `/endpoints/${live.body.id}?tenant_id=${other.id}`)).status).toBe(404);
    });

    it('answers 403 to ?tenant_id= or ?partner_id= without the admin scope', async () => {
      const other = await stack.newTenant();
      const theirs = await createEndpoint(other, { url: testUrl });
      const caller = await stack.newTenant();
      for (const query of [`?tenant_id=${other.id}`, '?partner_id=anything']) {
        const res = await caller.api('GET', `/endpoints${query}`);
        expect(res.status, query).toBe(403);
        expect(res.body.error.type).toBe('forbidden');
        expect(res.body.error.message).toMatch(/admin/);
      }
      expect((await caller.api('GET', `/endpoints/${theirs.id}?tenant_id=${other.id}`)).status).toBe(403);
      const token = await hs256({ tenant_id: caller.id, scopes: ['manage_webhooks'], environment: 'test' });
      expect((await call(stack, token, 'GET', `/webhooks/endpoints?tenant_id=${other.id}`)).status).toBe(403);
    });

    it('never writes across tenants: the filters are refused on writes', async () => {
      const other = await stack.newTenant();
      const admin = await stack.newTenant({ scopes: ['admin'] });
      const res = await admin.api('POST', `/endpoints?tenant_id=${other.id}`, { url: testUrl });
      expect(res.status).toBe(422);
      expect(res.body.error.detail[0].loc).toEqual(['query', 'tenant_id']);
      expect((await other.api('GET', '/endpoints')).body.data).toEqual([]);
      expect((await admin.api('GET', '/endpoints')).body.data).toEqual([]);
    });

    it("keeps a partner-bound admin JWT inside its partner's tenants", async () => {
      const partner = `prt_${randomBytes(4).toString('hex')}`;
      const home = await partnerTenant(stack, partner);
      const sibling = await partnerTenant(stack, partner);
      const outsider = await stack.newTenant();
      const e = await createEndpoint(sibling, { url: testUrl });
      await createEndpoint(outsider, { url: testUrl });
      const claims = { tenant_id: home.id, partner_id: partner, scopes: ['admin'], environment: 'test' };
      const token = await hs256(claims);

      expect(ids(await call(stack, token, 'GET', `/webhooks/endpoints?tenant_id=${sibling.id}`))).toEqual([e.id]);
      expect(ids(await call(stack, token, 'GET', `/webhooks/endpoints?tenant_id=${outsider.id}`))).toEqual([]);
      expect((await call(stack, token, 'GET', '/webhooks/endpoints?partner_id=prt_someone_else')).status).toBe(403);

      // Portal sessions: made, read and revoked only for the partner's tenants.
      const portal = (method: string, path: string, body?: unknown) => call(stack, token, method, `/portal-sessions${path}`, body);
      const own = await portal('POST', '', { tenant_id: sibling.id });
      expect(own.status).toBe(201);
      expect((await portal('POST', '', { tenant_id: outsider.id })).status).toBe(422);
      const foreign = await call(stack, outsider.apiKey, 'POST', '/portal-sessions', {});
      expect(foreign.status).toBe(201);
      expect((await portal('GET', `/${foreign.body.id}`)).status).toBe(404);
      expect((await portal('DELETE', `/${foreign.body.id}`)).status).toBe(404);
      expect((await call(stack, outsider.apiKey, 'GET', `/portal-sessions/${foreign.body.id}`)).body.revoked_at).toBeNull();
      expect((await portal('GET', `/${own.body.id}`)).status).toBe(200);
      expect((await portal('DELETE', `/${own.body.id}`)).body.revoked_at).not.toBeNull();

      // A partner claim that does not match the tenant's partner is not a valid token.
      const mismatch = await hs256({ ...claims, tenant_id: outsider.id });
      expect((await call(stack, mismatch, 'GET', '/webhooks/endpoints')).status).toBe(401);
    });
  });
});

describe('admin JWTs verified against HOOKLINE_JWKS_URL', () => {
  let stack: Stack;
  let jwksServer: Server;
  let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
  let ec: { privateKey: CryptoKey; publicKey: CryptoKey };
  const issuer = 'https://issuer.example.test';
  const audience = 'hookline-admin';

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256');
    ec = await generateKeyPair('ES256');
    const keys: JWK[] = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    jwksServer = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const { port } = jwksServer.address() as AddressInfo;
    stack = await startStack({
      worker: false,
      extraEnv: {
        HOOKLINE_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
        HOOKLINE_JWT_ISSUER: issuer,
        HOOKLINE_JWT_AUDIENCE: audience,
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    jwksServer?.closeAllConnections();
    await new Promise((resolve) => jwksServer?.close(resolve));
  });

  function signed(claims: JWTPayload, alg: 'RS256' | 'ES256', key: CryptoKey, kid: string, iss = issuer, aud = audience) {
    return new SignJWT(claims)
      .setProtectedHeader({ alg, kid })
      .setIssuer(iss)
      .setAudience(aud)
      .setExpirationTime('5m')
      .sign(key);
  }

  it('accepts RS256 and ES256 tokens signed by a key of the JWKS', async () => {
    const tenant = await stack.newTenant();
    const ep = await createEndpoint(tenant, { url: testUrl });
    const claims = { tenant_id: tenant.id, scopes: ['manage_webhooks'], environment: 'test' };
    for (const token of [await signed(claims, 'RS256', rsa.privateKey, 'rsa-1'), await signed(claims, 'ES256', ec.privateKey, 'ec-1')]) {
      const res = await call(stack, token, 'GET', '/webhooks/endpoints');
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(ids(res)).toEqual([ep.id]);
    }
  });

  it('answers 401 to a foreign key, a wrong issuer or audience, and HS256 when no secret is configured', async () => {
    const tenant = await stack.newTenant();
    const claims = { tenant_id: tenant.id, scopes: ['manage_webhooks'], environment: 'test' };
    const foreign = await generateKeyPair('RS256');
    const cases: [string, string, RegExp][] = [
      ['foreign key, known kid', await signed(claims, 'RS256', foreign.privateKey, 'rsa-1'), /signature/],
      ['foreign key, unknown kid', await signed(claims, 'RS256', foreign.privateKey, 'rsa-9'), /no signing key/],
      ['wrong issuer', await signed(claims, 'RS256', rsa.privateKey, 'rsa-1', 'https://evil.example.test'), /issuer/],
      ['wrong audience', await signed(claims, 'RS256', rsa.privateKey, 'rsa-1', issuer, 'someone-else'), /audience/],
      ['HS256', await hs256({ ...claims, iss: issuer, aud: audience }), /algorithm/],
    ];
    for (const [what, token, message] of cases) {
      const res = await call(stack, token, 'GET', '/webhooks/endpoints');
      expect(res.status, what).toBe(401);
      expect(res.body.error.message, what).toMatch(message);
    }
  });
});

describe('without a JWT secret or JWKS URL', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ worker: false });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses JWTs and keeps accepting API keys', async () => {
    const tenant = await stack.newTenant();
    const token = await hs256({ tenant_id: tenant.id, scopes: ['manage_webhooks'], environment: 'test' });
    const res = await call(stack, token, 'GET', '/webhooks/endpoints');
    expect(res.status).toBe(401);
    expect(res.body.error.type).toBe('unauthorized');
    expect((await tenant.api('GET', '/endpoints')).status).toBe(200);
  });
});
