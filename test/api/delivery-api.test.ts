import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { createEndpoint, publish } from '../helpers/api.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const url = 'http://127.0.0.1:9/hook';

describe('the API that drives deliveries', () => {
  it('answers 401 without a key or with a wrong one', async () => {
    const res = await fetch(`${stack.apiUrl}/manage/v1/webhooks/endpoints`);
    expect(res.status).toBe(401);
    const body: any = await res.json();
    expect(body.error.type).toBe('unauthorized');
    expect(body.error.request_id).toBe(res.headers.get('x-request-id'));
    const wrong = await fetch(`${stack.apiUrl}/manage/v1/webhooks/endpoints`, {
      headers: { authorization: 'Bearer hk_test_notarealkeynotarealkeynotareal' },
    });
    expect(wrong.status).toBe(401);
  });

  it('answers 403 when the key lacks the scope', async () => {
    const publisher = await stack.newTenant({ scopes: ['publish_events'] });
    const res = await publisher.api('GET', '/endpoints');
    expect(res.status).toBe(403);
    expect(res.body.error.type).toBe('forbidden');
    const manager = await stack.newTenant({ scopes: ['manage_webhooks'] });
    const pub = await manager.api('POST', '/events', { type: 'order.created', data: {} });
    expect(pub.status).toBe(403);
  });

  it("hides another tenant's endpoints and deliveries behind 404", async () => {
    const a = await stack.newTenant();
    const b = await stack.newTenant();
    const ep = await createEndpoint(a, { url });
    await publish(a, 'order.created', { x: 1 });
    const [delivery] = (await a.api('GET', '/deliveries')).body.data;
    expect((await b.api('GET', `/endpoints/${ep.id}`)).status).toBe(404);
    expect((await b.api('PATCH', `/endpoints/${ep.id}`, { status: 'paused' })).status).toBe(404);
    expect((await b.api('GET', `/deliveries/${delivery.id}`)).status).toBe(404);
    expect((await b.api('GET', '/deliveries')).body.data).toHaveLength(0);
    expect((await b.api('GET', '/endpoints')).body.data).toHaveLength(0);
  });

  it('rejects bad endpoint input with 422 and the location of each problem', async () => {
    const t = await stack.newTenant();
    const res = await t.api('POST', '/endpoints', {
      url: 'not a url',
      timeout_seconds: 99,
      headers: { 'webhook-signature': 'x' },
      surprise: true,
    });
    expect(res.status).toBe(422);
    const locs = res.body.error.detail.map((d: { loc: string[] }) => d.loc.join('.'));
    expect(locs).toEqual(expect.arrayContaining(['body.url', 'body.timeout_seconds', 'body.headers.webhook-signature', 'body.surprise']));
    const missing = await t.api('POST', '/endpoints', {});
    expect(missing.status).toBe(422);
    expect(missing.body.error.detail[0].loc).toEqual(['body', 'url']);
  });

  it('answers 400 for malformed JSON, 415 for another content type, 413 for an oversized event', async () => {
    const t = await stack.newTenant();
    const malformed = await t.api('POST', '/endpoints', '{"url": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.type).toBe('malformed_json');
    const text = await t.api('POST', '/endpoints', 'url=x', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    const big = await t.api('POST', '/events', { type: 'order.created', data: { blob: 'x'.repeat(300 * 1024) } });
    expect(big.status).toBe(413);
    expect(big.body.error.type).toBe('payload_too_large');
  });

  it('refuses unknown event types and requires https for live endpoints', async () => {
    const t = await stack.newTenant();
    const res = await t.api('POST', '/events', { type: 'no.such.type', data: {} });
    expect(res.status).toBe(422);
    expect(res.body.error.detail[0].loc).toEqual(['body', 'type']);
    const live = await stack.newTenant({ environment: 'live' });
    const http = await live.api('POST', '/endpoints', { url: 'http://example.com/hook' });
    expect(http.status).toBe(422);
    expect(http.body.error.detail[0].loc).toEqual(['body', 'url']);
    expect((await live.api('POST', '/endpoints', { url: 'https://example.com/hook' })).status).toBe(201);
  });

  it('creates an endpoint with every field, returns the secret once, and patches it', async () => {
    const t = await stack.newTenant();
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const created = await t.api('POST', '/endpoints', {
      url,
      name: 'billing',
      description: 'Billing events',
      event_types: ['invoice.*'],
      headers: { 'X-Env': 'ci' },
      timeout_seconds: 5,
      status: 'paused',
      metadata: { team: 'payments' },
      secret,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'billing',
      status: 'paused',
      active: false,
      timeout_seconds: 5,
      signing_secret: secret,
      headers: { 'X-Env': 'ci' },
      metadata: { team: 'payments' },
    });
    expect(created.body.paused_at).not.toBeNull();
    const got = await t.api('GET', `/endpoints/${created.body.id}`);
    expect(got.body.signing_secret).toBeUndefined();
    expect(JSON.stringify(got.body)).not.toContain(secret.slice(6));
    const patched = await t.api('PATCH', `/endpoints/${created.body.id}`, { active: true, description: null });
    expect(patched.body).toMatchObject({ status: 'active', active: true, description: null, paused_at: null });
    const conflict = await t.api('PATCH', `/endpoints/${created.body.id}`, { active: true, status: 'paused' });
    expect(conflict.status).toBe(422);
  });

  it('publishes idempotently by event id and lists deliveries with filters and cursors', async () => {
    const t = await stack.newTenant();
    const ep1 = await createEndpoint(t, { url, event_types: ['order.*'] });
    await createEndpoint(t, { url, event_types: ['invoice.paid'] });
    const first = await t.api('POST', '/events', { id: 'order-42', type: 'order.created', data: { n: 42 } });
    const again = await t.api('POST', '/events', { id: 'order-42', type: 'order.created', data: { n: 42 } });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.body.deliveries).toBe(1);

    for (let i = 0; i < 3; i++) await publish(t, 'invoice.paid', { i });
    const all = (await t.api('GET', '/deliveries?limit=2')).body;
    expect(all.data).toHaveLength(2);
    expect(all.has_more).toBe(true);
    const next = (await t.api('GET', `/deliveries?limit=2&cursor=${all.next_cursor}`)).body;
    expect(next.data).toHaveLength(2);
    expect(next.has_more).toBe(false);
    const ids = [...all.data, ...next.data].map((d: { id: string }) => d.id);
    expect(new Set(ids).size).toBe(4);
    expect([...ids].sort().reverse()).toEqual(ids);
    const byEndpoint = (await t.api('GET', `/deliveries?endpoint_id=${ep1.id}`)).body.data;
    expect(byEndpoint).toHaveLength(1);
    expect(byEndpoint[0].event_type).toBe('order.created');
    const byType = (await t.api('GET', '/deliveries?event_type=invoice.paid')).body.data;
    expect(byType).toHaveLength(3);
    const scoped = (await t.api('GET', `/endpoints/${ep1.id}/deliveries`)).body.data;
    expect(scoped.map((d: { id: string }) => d.id)).toEqual(byEndpoint.map((d: { id: string }) => d.id));
    const bad = await t.api('GET', '/deliveries?status=nope&limit=1000');
    expect(bad.status).toBe(422);
    const filtered = (await t.api('GET', '/endpoints?event_type=order.created')).body.data;
    expect(filtered.map((e: { id: string }) => e.id)).toEqual([ep1.id]);
  });

  it('lists for an operational event type only the endpoints that will receive it, not the catch-all ones', async () => {
    const t = await stack.newTenant();
    const catchAll = await createEndpoint(t, { url });
    const byName = await createEndpoint(t, { url, event_types: ['endpoint.failing'] });
    const byPrefix = await createEndpoint(t, { url, event_types: ['endpoint.*'] });
    const listed = async (type: string) =>
      ((await t.api('GET', `/endpoints?event_type=${type}`)).body.data as { id: string }[]).map((e) => e.id).sort();
    // A `*` endpoint is never sent Hookline's own events, so it is not listed as a subscriber of them.
    expect(await listed('endpoint.failing')).toEqual([byName.id, byPrefix.id].sort());
    expect(await listed('endpoint.recovered')).toEqual([byPrefix.id]);
    expect(await listed('order.created')).toEqual([catchAll.id]);
  });
});
