import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { startStack, type Stack, type Tenant } from '../helpers/stack.js';
import { receiverPool, waitFor, type ReceivedRequest } from '../helpers/receiver.js';
import { createEndpoint, getDelivery, listDeliveries, publish, waitForDeliveryStatus } from '../helpers/api.js';
import { deliveryWorkflowId } from '../../src/temporal/workflow-ids.js';
import { historyText } from '../helpers/history.js';

let stack: Stack;
const receivers = receiverPool();
const receiver = receivers.start;

// One retry, 3 s (±20 %) after the first failure: long enough to act during the backoff.
beforeAll(async () => {
  stack = await startStack({ retrySchedule: [3] });
});
afterAll(async () => {
  await receivers.closeAll();
  await stack?.stop();
});


async function auditEntries(tenant: Tenant, action?: string): Promise<any[]> {
  const query = action ? `?action=${encodeURIComponent(action)}` : '';
  const res = await fetch(`${stack.apiUrl}/manage/v1/audit-log${query}`, {
    headers: { authorization: `Bearer ${tenant.apiKey}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: any[] }).data;
}

const locs = (body: any): string[] => body.error.detail.map((d: { loc: (string | number)[] }) => d.loc.join('.'));

/** Both published verifiers, so a signature is checked the way receivers check it. */
function verifies(secret: string, req: ReceivedRequest): boolean {
  let standard = true;
  let svix = true;
  try {
    new StandardWebhook(secret).verify(req.body, req.headers);
  } catch {
    standard = false;
  }
  try {
    new SvixWebhook(secret).verify(req.body, req.headers);
  } catch {
    svix = false;
  }
  expect(svix, 'svix and standardwebhooks agree').toBe(standard);
  return standard;
}


describe('DELETE /endpoints/{id}', () => {
  it('soft-deletes: 200 with deleted_at, then 404 everywhere, unlisted, audited, and new events skip it', async () => {
    const tenant = await stack.newTenant();
    const [gone, kept] = await Promise.all([receiver(), receiver()]);
    const ep = await createEndpoint(tenant, { url: gone.url });
    const other = await createEndpoint(tenant, { url: kept.url });

    const before = Date.now();
    const res = await tenant.api('DELETE', `/endpoints/${ep.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: ep.id, object: 'endpoint', deleted: true, deleted_at: expect.any(String) });
    expect(Date.parse(res.body.deleted_at)).toBeGreaterThanOrEqual(before - 1000);

    expect((await tenant.api('GET', `/endpoints/${ep.id}`)).status).toBe(404);
    expect((await tenant.api('PATCH', `/endpoints/${ep.id}`, { description: 'x' })).status).toBe(404);
    const again = await tenant.api('DELETE', `/endpoints/${ep.id}`);
    expect(again.status).toBe(404);
    expect(again.body.error.type).toBe('not_found');
    const listed = (await tenant.api('GET', '/endpoints')).body.data.map((e: { id: string }) => e.id);
    expect(listed).toEqual([other.id]);

    const event = await publish(tenant, 'order.created', { n: 1 });
    expect(event.deliveries).toBe(1);
    await waitFor(() => kept.requests.length === 1, 20_000, 'the remaining endpoint');
    await new Promise((r) => setTimeout(r, 500));
    expect(gone.requests).toHaveLength(0);
    expect((await listDeliveries(tenant)).map((d) => d.endpoint_id)).toEqual([other.id]);

    const [entry] = await auditEntries(tenant, 'endpoint.deleted');
    expect(entry).toMatchObject({ action: 'endpoint.deleted', resource_type: 'endpoint', resource_id: ep.id });
  });

  it('lets a delivery waiting out its backoff complete after the endpoint is deleted', async () => {
    const tenant = await stack.newTenant();
    const recv = await receiver((i) => ({ status: i === 0 ? 500 : 200 }));
    const ep = await createEndpoint(tenant, { url: recv.url });
    await publish(tenant, 'order.created', { n: 1 });
    const [delivery] = await listDeliveries(tenant);

    await waitFor(() => recv.requests.length === 1, 20_000, 'the first, failing attempt');
    const deletedAt = Date.now();
    expect((await tenant.api('DELETE', `/endpoints/${ep.id}`)).status).toBe(200);
    const during = await getDelivery(tenant, delivery.id);
    expect(during.status).toBe('pending');

    const done = await waitForDeliveryStatus(tenant, delivery.id, 'delivered', 30_000);
    expect(done.attempts.map((a: { response_status: number }) => a.response_status)).toEqual([500, 200]);
    expect(recv.requests).toHaveLength(2);
    expect(recv.requests[1]!.receivedAt).toBeGreaterThan(deletedAt);
    expect(verifies(ep.signing_secret, recv.requests[1]!)).toBe(true);
  });
});

describe('POST /endpoints/{id}/rotate-secret', () => {
  it('returns a new secret once; during the grace period receivers verify with either secret', async () => {
    const tenant = await stack.newTenant();
    const recv = await receiver();
    const ep = await createEndpoint(tenant, { url: recv.url });
    const oldSecret = ep.signing_secret;

    const before = Date.now();
    const rotated = await tenant.api('POST', `/endpoints/${ep.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ id: ep.id, object: 'endpoint', url: recv.url });
    const newSecret: string = rotated.body.signing_secret;
    expect(newSecret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(newSecret).not.toBe(oldSecret);
    const expiresIn = Date.parse(rotated.body.previous_secret_expires_at) - before;
    expect(expiresIn).toBeGreaterThan(86_400_000 - 60_000);
    expect(expiresIn).toBeLessThan(86_400_000 + 60_000);

    const got = await tenant.api('GET', `/endpoints/${ep.id}`);
    expect(got.body.signing_secret).toBeUndefined();
    expect(JSON.stringify(got.body)).not.toContain(newSecret.slice('whsec_'.length));
    expect(JSON.stringify((await tenant.api('GET', '/endpoints')).body)).not.toContain(newSecret.slice('whsec_'.length));

    await publish(tenant, 'order.created', { n: 1 });
    await waitFor(() => recv.requests.length === 1, 20_000, 'the delivery');
    const req = recv.requests[0]!;
    expect(req.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verifies(oldSecret, req)).toBe(true);
    expect(verifies(newSecret, req)).toBe(true);
    expect(verifies(`whsec_${Buffer.alloc(32, 9).toString('base64')}`, req)).toBe(false);

    // Neither secret reaches the audit log or Temporal history.
    const entries = await auditEntries(tenant, 'endpoint.secret_rotated');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ resource_id: ep.id, changes: { grace_period_seconds: 86_400 } });
    const [delivery] = await listDeliveries(tenant);
    await waitForDeliveryStatus(tenant, delivery.id, 'delivered');
    const history = historyText(await stack.temporal.workflow.getHandle(deliveryWorkflowId(delivery.id)).fetchHistory());
    const audit = JSON.stringify(await auditEntries(tenant));
    for (const secret of [oldSecret, newSecret]) {
      expect(history).not.toContain(secret.slice('whsec_'.length));
      expect(audit).not.toContain(secret.slice('whsec_'.length));
    }
  });

  it('stops signing with the previous secret when the grace period ends, or at once with 0', async () => {
    const tenant = await stack.newTenant();
    const recv = await receiver();
    const ep = await createEndpoint(tenant, { url: recv.url });
    const rotated = await tenant.api('POST', `/endpoints/${ep.id}/rotate-secret`, { grace_period_seconds: 2 });
    expect(rotated.status).toBe(200);
    const current: string = rotated.body.signing_secret;
    const expiresAt = Date.parse(rotated.body.previous_secret_expires_at);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(2000);

    await new Promise((r) => setTimeout(r, 3000));
    await publish(tenant, 'order.created', { n: 1 });
    await waitFor(() => recv.requests.length === 1, 20_000, 'the delivery after the grace period');
    const late = recv.requests[0]!;
    expect(Number(late.headers['webhook-timestamp']) * 1000).toBeGreaterThan(expiresAt);
    expect(late.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(verifies(current, late)).toBe(true);
    expect(() => new StandardWebhook(ep.signing_secret).verify(late.body, late.headers)).toThrow();
    expect(() => new SvixWebhook(ep.signing_secret).verify(late.body, late.headers)).toThrow();

    const immediate = await tenant.api('POST', `/endpoints/${ep.id}/rotate-secret`, { grace_period_seconds: 0 });
    expect(immediate.status).toBe(200);
    expect(immediate.body.previous_secret_expires_at).toBeNull();
    await publish(tenant, 'order.created', { n: 2 });
    await waitFor(() => recv.requests.length === 2, 20_000, 'the delivery after a rotation without grace');
    expect(recv.requests[1]!.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(verifies(immediate.body.signing_secret, recv.requests[1]!)).toBe(true);
    expect(verifies(current, recv.requests[1]!)).toBe(false);
  });

  it('chains concurrent rotations: the secret before the last one stays valid beside it', async () => {
    const tenant = await stack.newTenant();
    const recv = await receiver();
    const ep = await createEndpoint(tenant, { url: recv.url });
    const results = await Promise.all([1, 2].map(() => tenant.api('POST', `/endpoints/${ep.id}/rotate-secret`)));
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    await publish(tenant, 'order.created', { n: 1 });
    await waitFor(() => recv.requests.length === 1, 20_000, 'the delivery');
    // One of the two secrets is current and the other its previous one: both verify, the original does not.
    for (const r of results) expect(verifies(r.body.signing_secret, recv.requests[0]!)).toBe(true);
    expect(verifies(ep.signing_secret, recv.requests[0]!)).toBe(false);
  });

  it('replays the same rotation for a repeated Idempotency-Key', async () => {
    const tenant = await stack.newTenant();
    const ep = await createEndpoint(tenant, { url: 'http://127.0.0.1:9/hook' });
    const headers = { 'idempotency-key': `rotate-${ep.id}` };
    const first = await tenant.api('POST', `/endpoints/${ep.id}/rotate-secret`, { grace_period_seconds: 60 }, headers);
    const second = await tenant.api('POST', `/endpoints/${ep.id}/rotate-secret`, { grace_period_seconds: 60 }, headers);
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.signing_secret).toBe(first.body.signing_secret);
    expect(await auditEntries(tenant, 'endpoint.secret_rotated')).toHaveLength(1);
  });

  it('rejects a bad grace period or an unknown field with 422 and its location', async () => {
    const tenant = await stack.newTenant();
    const ep = await createEndpoint(tenant, { url: 'http://127.0.0.1:9/hook' });
    for (const grace of [-1, 604_801, 1.5, '60']) {
      const res = await tenant.api('POST', `/endpoints/${ep.id}/rotate-secret`, { grace_period_seconds: grace });
      expect(res.status, JSON.stringify(grace)).toBe(422);
      expect(locs(res.body)).toEqual(['body.grace_period_seconds']);
    }
    const unknown = await tenant.api('POST', `/endpoints/${ep.id}/rotate-secret`, { grace_period_seconds: 5, secret: 'mine' });
    expect(unknown.status).toBe(422);
    expect(locs(unknown.body)).toEqual(['body.secret']);
    const notObject = await tenant.api('POST', `/endpoints/${ep.id}/rotate-secret`, [1]);
    expect(notObject.status).toBe(422);
    expect(locs(notObject.body)).toEqual(['body']);
    const week = await tenant.api('POST', `/endpoints/${ep.id}/rotate-secret`, { grace_period_seconds: 604_800 });
    expect(week.status).toBe(200);
  });
});

describe('POST /endpoints/{id}/test', () => {
  it('sends a synthetic event to this endpoint only and ends delivered (seed 000 body)', async () => {
    const tenant = await stack.newTenant();
    const [target, bystander] = await Promise.all([receiver(), receiver()]);
    // Not subscribed to the type: a test reaches the endpoint anyway, and nobody else.
    const ep = await createEndpoint(tenant, { url: target.url, event_types: ['invoice.paid'] });
    await createEndpoint(tenant, { url: bystander.url });

    const res = await tenant.api('POST', `/endpoints/${ep.id}/test`, { event_type: 'budget.threshold_reached' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      object: 'delivery',
      endpoint_id: ep.id,
      event_type: 'budget.threshold_reached',
      status: 'pending',
      replay_of: null,
    });
    expect(res.body.id).toMatch(/^dlv_/);

    const done = await waitForDeliveryStatus(tenant, res.body.id, 'delivered');
    expect(done.attempt_count).toBe(1);
    expect(done.payload).toMatchObject({ type: 'budget.threshold_reached', data: { test: true } });
    expect(target.requests).toHaveLength(1);
    const req = target.requests[0]!;
    expect(req.headers['webhook-id']).toBe(res.body.event_id);
    expect(JSON.parse(req.body)).toMatchObject({ type: 'budget.threshold_reached', data: { test: true, message: expect.any(String) } });
    expect(verifies(ep.signing_secret, req)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(bystander.requests).toHaveLength(0);
    expect(await listDeliveries(tenant)).toHaveLength(1);

    const [entry] = await auditEntries(tenant, 'endpoint.tested');
    expect(entry).toMatchObject({ resource_id: ep.id, changes: { event_type: 'budget.threshold_reached', delivery_id: res.body.id } });
  });

  it('attempts a failing test delivery once and ends it failed, not dead-lettered', async () => {
    const tenant = await stack.newTenant();
    const recv = await receiver(() => ({ status: 500 }));
    const ep = await createEndpoint(tenant, { url: recv.url });

    const res = await tenant.api('POST', `/endpoints/${ep.id}/test`);
    expect(res.status).toBe(201);
    expect(res.body.event_type).toBe('webhook.test');
    const done = await waitForDeliveryStatus(tenant, res.body.id, 'failed');
    expect(done).toMatchObject({ failure_reason: 'test_delivery_failed', attempt_count: 1, last_response_status: 500, next_attempt_at: null });
    expect(done.attempts).toHaveLength(1);

    // The workflow completed (a dead letter ends Failed) and nothing else is sent after the retry interval.
    const handle = stack.temporal.workflow.getHandle(deliveryWorkflowId(res.body.id));
    expect(await handle.result()).toEqual({ status: 'failed', attempts: 1, reason: 'test_delivery_failed' });
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    await new Promise((r) => setTimeout(r, 4000));
    expect(recv.requests).toHaveLength(1);
    expect((await getDelivery(tenant, res.body.id)).status).toBe('failed');
  });

  it('is idempotent and refuses event types outside the catalogue or unknown fields with 422', async () => {
    const tenant = await stack.newTenant();
    const recv = await receiver();
    const ep = await createEndpoint(tenant, { url: recv.url });
    const headers = { 'idempotency-key': `test-${ep.id}` };
    const first = await tenant.api('POST', `/endpoints/${ep.id}/test`, { event_type: 'order.created' }, headers);
    const second = await tenant.api('POST', `/endpoints/${ep.id}/test`, { event_type: 'order.created' }, headers);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.id).toBe(first.body.id);
    await waitForDeliveryStatus(tenant, first.body.id, 'delivered');
    expect(await listDeliveries(tenant)).toHaveLength(1);

    const unknownType = await tenant.api('POST', `/endpoints/${ep.id}/test`, { event_type: 'no.such.type' });
    expect(unknownType.status).toBe(422);
    expect(unknownType.body.error.detail).toEqual([expect.objectContaining({ loc: ['body', 'event_type'] })]);
    const notString = await tenant.api('POST', `/endpoints/${ep.id}/test`, { event_type: 7 });
    expect(notString.status).toBe(422);
    expect(locs(notString.body)).toEqual(['body.event_type']);
    const unknownField = await tenant.api('POST', `/endpoints/${ep.id}/test`, { event_type: 'order.created', data: {} });
    expect(unknownField.status).toBe(422);
    expect(locs(unknownField.body)).toEqual(['body.data']);
    expect(await listDeliveries(tenant)).toHaveLength(1);
  });
});

describe('access to the lifecycle routes', () => {
  const routes = (id: string): [string, string, unknown?][] => [
    ['POST', `/endpoints/${id}/rotate-secret`, {}],
    ['POST', `/endpoints/${id}/test`, {}],
    ['GET', `/endpoints/${id}/stats`],
    ['DELETE', `/endpoints/${id}/deliveries`],
    ['DELETE', `/endpoints/${id}`],
  ];

  it("answers 404 for another tenant's endpoint and leaves it untouched", async () => {
    const owner = await stack.newTenant();
    const stranger = await stack.newTenant();
    const live = await stack.newTenant({ environment: 'live' });
    const ep = await createEndpoint(owner, { url: 'http://127.0.0.1:9/hook', status: 'paused' });
    for (const [method, path, body] of routes(ep.id)) {
      for (const other of [stranger, live]) {
        const res = await other.api(method, path, body);
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body.error.type).toBe('not_found');
      }
    }
    expect((await owner.api('GET', `/endpoints/${ep.id}`)).status).toBe(200);
    expect(await listDeliveries(owner)).toHaveLength(0);
    expect(await auditEntries(owner, 'endpoint.secret_rotated')).toHaveLength(0);
  });

  it('answers 404 for a deleted endpoint and an unknown id, and 403 without manage_webhooks', async () => {
    const tenant = await stack.newTenant();
    const ep = await createEndpoint(tenant, { url: 'http://127.0.0.1:9/hook' });
    expect((await tenant.api('DELETE', `/endpoints/${ep.id}`)).status).toBe(200);
    for (const id of [ep.id, 'ep_01AAAAAAAAAAAAAAAAAAAAAAAA']) {
      for (const [method, path, body] of routes(id)) {
        expect((await tenant.api(method, path, body)).status, `${method} ${path}`).toBe(404);
      }
    }
    const publisher = await stack.newTenant({ scopes: ['publish_events'] });
    const own = await createEndpoint(tenant, { url: 'http://127.0.0.1:9/hook' });
    for (const [method, path, body] of routes(own.id)) {
      const res = await publisher.api(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
    }
  });
});
