import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack, type Tenant } from '../helpers/stack.js';
import { createEndpoint, deliverOne, waitForDeliveryStatus } from '../helpers/api.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

let stack: Stack;
let tenant: Tenant;

beforeAll(async () => {
  stack = await startStack();
  tenant = await stack.newTenant();
});
afterAll(async () => {
  await stack?.stop();
});

/** A raw HTTP exchange, for what fetch will not send (chunked bodies, huge headers). */
function raw(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; chunks?: Buffer[] } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(path, stack.apiUrl);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { authorization: `Bearer ${tenant.apiKey}`, ...options.headers } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    for (const chunk of options.chunks ?? []) req.write(chunk);
    req.end();
  });
}

const B = '/manage/v1/webhooks';

describe('hostile input', () => {
  it('answers a method a path does not serve, known or not (PATCH, PROPFIND, TRACE), with 405, its Allow header and the error shape', async () => {
    const cases: [string, string, string][] = [
      ['PROPFIND', `${B}/endpoints`, 'HEAD, GET, POST'],
      ['TRACE', `${B}/event-types`, 'HEAD, GET'],
      ['PATCH', `${B}/event-types`, 'HEAD, GET'],
      ['PROPFIND', '/healthz', 'HEAD, GET'],
      ['PUT', '/docs', 'HEAD, GET'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await raw(method, path);
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.allow, `${method} ${path}`).toBe(allow);
      expect(JSON.parse(res.body).error).toMatchObject({ type: 'method_not_allowed', request_id: res.headers['x-request-id'] });
    }
  });

  it('answers a method on a path no route has with 404, whether the method is known or not', async () => {
    for (const method of ['PROPFIND', 'PATCH']) {
      const res = await raw(method, `${B}/no-such-thing`);
      expect(res.status, method).toBe(404);
      expect(JSON.parse(res.body).error.type).toBe('not_found');
    }
  });

  it('refuses a NUL byte in a path or query value with 422 and its location', async () => {
    const cases: [string, (string | number)[]][] = [
      [`${B}/endpoints/ep_%00`, ['params', 'id']],
      [`${B}/endpoints?starting_after=%00`, ['query', 'starting_after']],
      ['/manage/v1/audit-log?starting_after=a%00b', ['query', 'starting_after']],
      [`${B}/deliveries?event_type=%00`, ['query', 'event_type']],
    ];
    for (const [path, loc] of cases) {
      const res = await raw('GET', path);
      expect(res.status, path).toBe(422);
      expect(JSON.parse(res.body).error.detail[0]).toMatchObject({ loc, type: 'value_error.nul' });
    }
  });

  it('refuses a NUL in the admin filters tenant_id and partner_id with 422 and its location, not a database error', async () => {
    const admin = await stack.newTenant({ scopes: ['admin'] });
    for (const param of ['tenant_id', 'partner_id']) {
      const res = await admin.api('GET', `/deliveries?${param}=a%00b`);
      expect(res.status, param).toBe(422);
      expect(res.body.error.detail[0]).toMatchObject({ loc: ['query', param], type: 'value_error.nul' });
    }
  });

  it('refuses a NUL or a lone surrogate in a JSON string with 422 and its location', async () => {
    const nul = await tenant.api('POST', '/endpoints', '{"url":"http://127.0.0.1:9/h","name":"a\\u0000b"}');
    expect(nul.status).toBe(422);
    expect(nul.body.error.detail[0]).toMatchObject({ loc: ['body', 'name'], type: 'value_error.nul' });
    const meta = await tenant.api('POST', '/endpoints', '{"url":"http://127.0.0.1:9/h","metadata":{"k":"x\\u0000"}}');
    expect(meta.body.error.detail[0]).toMatchObject({ loc: ['body', 'metadata', 'k'] });
    const surrogate = await tenant.api('POST', '/endpoints', '{"url":"http://127.0.0.1:9/h","name":"x\\udfffy"}');
    expect(surrogate.status).toBe(422);
    expect(surrogate.body.error.detail[0]).toMatchObject({ loc: ['body', 'name'], type: 'value_error.surrogate' });
    const event = await tenant.api('POST', '/events', '{"type":"order.created","data":{"note":"\\u0000"}}');
    expect(event.status).toBe(422);
    expect(event.body.error.detail[0]).toMatchObject({ loc: ['body', 'data', 'note'] });
  });

  it('refuses a year-0000 date filter with 422', async () => {
    for (const path of [`${B}/deliveries?after=0000-01-01T00:00:00Z`, '/manage/v1/audit-log?after=0000-01-01T00:00:00Z']) {
      const res = await raw('GET', path);
      expect(res.status, path).toBe(422);
      expect(JSON.parse(res.body).error.detail[0].loc).toEqual(['query', 'after']);
    }
  });

  it('refuses a timestamp whose offset carries it out of the years 0001 to 9999 with 422, not a database error', async () => {
    for (const path of [
      `${B}/deliveries?before=9999-12-31T23:59:59-12:00`,
      `${B}/deliveries?after=0001-01-01T00:00:00%2B01:00`,
      '/manage/v1/audit-log?after=9999-12-31T23:00:00-02:00',
    ]) {
      const res = await raw('GET', path);
      expect(res.status, path).toBe(422);
      expect(JSON.parse(res.body).error.detail).toHaveLength(1);
    }
    const ep = await createEndpoint(tenant, { url: 'http://127.0.0.1:9/hook' });
    const recover = await tenant.api('POST', `/endpoints/${ep.id}/recover`, { since: '0001-01-01T00:30:00+01:00' });
    expect(recover.status).toBe(422);
    expect(recover.body.error.detail[0].loc).toEqual(['body', 'since']);
    const edges = await raw('GET', `${B}/deliveries?after=0001-01-01T00:00:00Z&before=9999-12-31T23:59:59Z`);
    expect(edges.status).toBe(200);
  });

  it('refuses JSON nested 100,000 levels deep (under the size limit) with 422', async () => {
    const depth = 100_000;
    const body = `{"type":"order.created","data":{"x":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    const res = await tenant.api('POST', '/events', body);
    expect(res.status).toBe(422);
    expect(res.body.error.detail[0].type).toBe('value_error.depth');
  });

  it('refuses deep JSON with 422 also when it comes with an Idempotency-Key, which would hash the body first', async () => {
    const depth = 30_000;
    const body = `{"type":"order.created","data":{"x":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    const res = await tenant.api('POST', '/events', body, { 'idempotency-key': 'deep-body' });
    expect(res.status).toBe(422);
    expect(res.body.error.detail[0].type).toBe('value_error.depth');
    const ep = await createEndpoint(tenant, { url: 'http://127.0.0.1:9/hook' });
    const recover = await tenant.api('POST', `/endpoints/${ep.id}/recover`, `[${body}]`, { 'idempotency-key': 'deep-body' });
    expect(recover.status).toBe(422);
  });

  it('answers a chunked body over the limit with 413 instead of dropping the connection', async () => {
    const chunk = Buffer.alloc(16 * 1024, 'a');
    const res = await raw('POST', `${B}/events`, {
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks: Array.from({ length: 19 }, () => chunk),
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.type).toBe('payload_too_large');
  });

  it('refuses an endpoint URL with credentials (422) and never stores it', async () => {
    const res = await tenant.api('POST', '/endpoints', { url: 'http://user:pass@127.0.0.1:9/hook' });
    expect(res.status).toBe(422);
    expect(res.body.error.detail[0].loc).toEqual(['body', 'url']);
    const ep = await createEndpoint(tenant, { url: 'http://127.0.0.1:9/hook' });
    const patched = await tenant.api('PATCH', `/endpoints/${ep.id}`, { url: 'https://u:p@example.com/' });
    expect(patched.status).toBe(422);
    expect(JSON.stringify((await tenant.api('GET', '/endpoints')).body)).not.toContain('u:p@');
  });

  it('answers headers over 16 KiB with 431 in the error shape, with a request id', async () => {
    const res = await raw('GET', `${B}/endpoints`, { headers: { 'x-padding': 'a'.repeat(20 * 1024) } });
    expect(res.status).toBe(431);
    expect(res.headers['x-request-id']).toMatch(/^req_/);
    expect(JSON.parse(res.body).error).toMatchObject({ type: 'request_header_fields_too_large', request_id: res.headers['x-request-id'] });
  });
});

describe('private targets refused', () => {
  let strict: Stack;
  let t: Tenant;
  beforeAll(async () => {
    strict = await startStack({ worker: false, extraEnv: { HOOKLINE_ALLOW_PRIVATE_TARGETS: 'false' } });
    t = await strict.newTenant();
  });
  afterAll(async () => {
    await strict?.stop();
  });

  it('refuses literal private, link-local, CGNAT, multicast and metadata addresses at create and update (422 on body.url)', async () => {
    const refused = [
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/',
      'http://10.0.0.1/hook',
      'http://100.64.0.1/hook',
      'http://224.0.0.1/hook',
      'http://127.0.0.1:9/hook',
      'http://[::ffff:127.0.0.1]/hook',
      // Other spellings of loopback and metadata: decimal, hex, octal, short forms, trailing dot,
      // IPv4-mapped in hex, NAT64, 6to4, Teredo, IPv6 loopback and unspecified.
      'http://2130706433/hook',
      'http://0x7f000001/hook',
      'http://0x7f.1/hook',
      'http://0177.0.0.1/hook',
      'http://127.1/hook',
      'http://127.0.0.1./hook',
      'http://2852039166/latest/meta-data/',
      'http://0251.0376.0251.0376/',
      'http://[::ffff:7f00:1]/hook',
      'http://[0:0:0:0:0:ffff:a9fe:a9fe]/',
      'http://[64:ff9b::a9fe:a9fe]/',
      'http://[2002:7f00:1::]/hook',
      'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook',
      'http://[::1]/hook',
      'http://[::]/hook',
      'http://0.0.0.0/hook',
      'http://[FE80::1]/hook',
    ];
    for (const url of refused) {
      const res = await t.api('POST', '/endpoints', { url });
      expect(res.status, url).toBe(422);
      expect(res.body.error.detail[0]).toMatchObject({ loc: ['body', 'url'], type: 'value_error.url.private' });
    }
    // A public literal is accepted (nothing is sent: this stack runs no worker).
    const ok = await t.api('POST', '/endpoints', { url: 'http://93.184.216.34/hook' });
    expect(ok.status).toBe(201);
    const patched = await t.api('PATCH', `/endpoints/${ok.body.id}`, { url: 'http://192.168.1.1/hook' });
    expect(patched.status).toBe(422);
    expect(patched.body.error.detail[0].loc).toEqual(['body', 'url']);
    expect((await t.api('GET', `/endpoints/${ok.body.id}`)).body.url).toBe('http://93.184.216.34/hook');
  });

  it('refuses a host name that resolves only to refused addresses', async () => {
    const res = await t.api('POST', '/endpoints', { url: 'http://localhost:9/hook' });
    expect(res.status).toBe(422);
    expect(res.body.error.detail[0]).toMatchObject({ loc: ['body', 'url'], type: 'value_error.url.private' });
  });
});

describe('allowed target ranges (HOOKLINE_ALLOWED_TARGET_CIDRS)', () => {
  let allowing: Stack;
  let t: Tenant;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    allowing = await startStack({
      extraEnv: { HOOKLINE_ALLOW_PRIVATE_TARGETS: 'false', HOOKLINE_ALLOWED_TARGET_CIDRS: '127.0.0.1/32, 10.1.0.0/16' },
    });
    t = await allowing.newTenant();
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await allowing?.stop();
  });

  it('accepts an endpoint in a listed range and refuses one outside it', async () => {
    expect((await t.api('POST', '/endpoints', { url: 'http://10.1.2.3/hook' })).status).toBe(201);
    const outside = await t.api('POST', '/endpoints', { url: 'http://10.2.0.1/hook' });
    expect(outside.status).toBe(422);
    expect(outside.body.error.detail[0]).toMatchObject({ loc: ['body', 'url'], type: 'value_error.url.private' });
    expect((await t.api('POST', '/endpoints', { url: 'http://127.0.0.2/hook' })).status).toBe(422);
  });

  it('delivers to a receiver in a listed range while private targets stay refused', async () => {
    const r = await startReceiver(() => ({ status: 200 }));
    receivers.push(r);
    const { deliveryId } = await deliverOne(t, r.url);
    const detail = await waitForDeliveryStatus(t, deliveryId, 'delivered');
    expect(detail.attempts[0]).toMatchObject({ response_status: 200, error_code: null });
    expect(r.requests).toHaveLength(1);
  });
});
