import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { Endpoint, Event } from '../../src/db/entities/index.js';
import { startStack, type Stack, type Tenant } from '../helpers/stack.js';
import { receiverPool, waitFor, type Receiver, type Reply, type ReceivedRequest } from '../helpers/receiver.js';
import { createEndpoint, listDeliveries, publish, waitForDeliveryStatus } from '../helpers/api.js';

let stack: Stack;
const receivers = receiverPool();
const receiver = receivers.start;

beforeAll(async () => {
  // Five attempts a second apart: a dead letter in about five seconds.
  stack = await startStack({ retrySchedule: [1, 1, 1, 1] });
});
afterAll(async () => {
  await receivers.closeAll();
  await stack?.stop();
});

/** An operator's endpoint subscribed to Hookline's operational events. */
async function operatorEndpoint(tenant: Tenant, reply?: (i: number) => Reply) {
  const r = await receiver(reply);
  const ep = await createEndpoint(tenant, { url: r.url, event_types: ['endpoint.*', 'delivery.dead_lettered'] });
  return { receiver: r, endpoint: ep };
}

/** The verified body of a received webhook. */
function verified(req: ReceivedRequest, secret: string): { type: string; timestamp: string; data: Record<string, any> } {
  return new Webhook(secret).verify(req.body, req.headers) as { type: string; timestamp: string; data: Record<string, any> };
}

async function received(r: Receiver, secret: string, type: string, timeoutMs = 20_000) {
  return waitFor(
    () => r.requests.map((q) => verified(q, secret)).find((b) => b.type === type),
    timeoutMs,
    `${type} to reach the operator's endpoint`,
  );
}

async function eventTypesOf(tenant: Tenant): Promise<string[]> {
  const events = await stack.orm.em.fork().find(Event, { tenantId: tenant.id }, { orderBy: { id: 'asc' } });
  return events.map((e) => e.type);
}

describe('operational events', () => {
  it('announces endpoint.failing after four failures in a row and endpoint.recovered after the next success', async () => {
    const tenant = await stack.newTenant();
    const ops = await operatorEndpoint(tenant);
    const catchAll = await receiver();
    await createEndpoint(tenant, { url: catchAll.url });
    const flaky = await receiver((i) => ({ status: i < 4 ? 500 : 200 }));
    const ep = await createEndpoint(tenant, { url: flaky.url, event_types: ['order.*'], headers: { 'x-customer-token': 'tok_private' } });

    await publish(tenant, 'order.created', { order: 'o_secret_payload' });
    const [delivery] = await listDeliveries(tenant, `?endpoint_id=${ep.id}`);
    await waitForDeliveryStatus(tenant, delivery.id, 'delivered', 30_000);

    const failing = await received(ops.receiver, ops.endpoint.signing_secret, 'endpoint.failing');
    expect(failing.data).toEqual({
      endpoint_id: ep.id,
      consecutive_failures: 4,
      failing_since: expect.any(String),
      last_delivery_id: delivery.id,
      last_event_type: 'order.created',
      last_response_status: 500,
    });
    const recovered = await received(ops.receiver, ops.endpoint.signing_secret, 'endpoint.recovered');
    expect(recovered.data).toEqual({
      endpoint_id: ep.id,
      failed_attempts: 4,
      failing_since: failing.data.failing_since,
      recovered_at: expect.any(String),
      delivery_id: delivery.id,
      event_type: 'order.created',
    });
    expect(Date.parse(recovered.data.recovered_at)).toBeGreaterThan(Date.parse(failing.data.failing_since));
    // Ids and reasons only: neither the event's payload nor the endpoint's secrets or headers.
    for (const q of ops.receiver.requests) {
      expect(q.body).not.toContain('o_secret_payload');
      expect(q.body).not.toContain('tok_private');
      expect(q.body).not.toContain(ep.signing_secret.slice('whsec_'.length));
    }

    const row = await stack.orm.em.fork().findOneOrFail(Endpoint, { id: ep.id });
    expect(row.consecutiveFailures).toBe(0);
    expect(row.failingSince).toBeNull();
    expect(row.failingNotifiedAt).toBeNull();

    // Each announced once; an endpoint subscribed to everything gets the platform's events only.
    await new Promise((res) => setTimeout(res, 1500));
    expect(ops.receiver.requests.map((q) => verified(q, ops.endpoint.signing_secret).type).sort()).toEqual([
      'endpoint.failing',
      'endpoint.recovered',
    ]);
    expect(catchAll.requests.map((q) => JSON.parse(q.body).type)).toEqual(['order.created']);
  });

  it('announces delivery.dead_lettered once when a delivery exhausts its retries', async () => {
    const tenant = await stack.newTenant();
    const ops = await operatorEndpoint(tenant);
    const down = await receiver(() => ({ status: 503 }));
    const ep = await createEndpoint(tenant, { url: down.url, event_types: ['order.created'] });
    const event = await publish(tenant, 'order.created', { order: 'o_2' });
    const [delivery] = await listDeliveries(tenant, `?endpoint_id=${ep.id}`);
    await waitForDeliveryStatus(tenant, delivery.id, 'dead_letter', 30_000);

    const dead = await received(ops.receiver, ops.endpoint.signing_secret, 'delivery.dead_lettered');
    expect(dead.data).toEqual({
      delivery_id: delivery.id,
      endpoint_id: ep.id,
      event_id: event.id,
      event_type: 'order.created',
      attempts: 5,
      reason: 'retries_exhausted',
    });
    await new Promise((res) => setTimeout(res, 1500));
    expect((await eventTypesOf(tenant)).filter((t) => t === 'delivery.dead_lettered')).toHaveLength(1);
  });

  it('announces endpoint.disabled when a receiver answers 410 Gone', async () => {
    const tenant = await stack.newTenant();
    const ops = await operatorEndpoint(tenant);
    const gone = await receiver(() => ({ status: 410 }));
    const ep = await createEndpoint(tenant, { url: gone.url, event_types: ['order.shipped'] });
    await publish(tenant, 'order.shipped', { order: 'o_3' });
    const [delivery] = await listDeliveries(tenant, `?endpoint_id=${ep.id}`);
    const failed = await waitForDeliveryStatus(tenant, delivery.id, 'failed');
    expect(failed.failure_reason).toBe('gone');

    const disabled = await received(ops.receiver, ops.endpoint.signing_secret, 'endpoint.disabled');
    expect(disabled.data).toEqual({ endpoint_id: ep.id, reason: 'gone', delivery_id: delivery.id, event_type: 'order.shipped' });
    const after = await tenant.api('GET', `/endpoints/${ep.id}`);
    expect(after.body).toMatchObject({ status: 'disabled', disabled_reason: 'gone' });
  });

  it('does not feed on itself: an operator endpoint that is down gets no news of its own failed notices', async () => {
    const tenant = await stack.newTenant();
    const ops = await operatorEndpoint(tenant, () => ({ status: 500 }));
    const down = await receiver(() => ({ status: 500 }));
    const ep = await createEndpoint(tenant, { url: down.url, event_types: ['order.created'] });
    await publish(tenant, 'order.created', { order: 'o_4' });
    const [delivery] = await listDeliveries(tenant, `?endpoint_id=${ep.id}`);
    await waitForDeliveryStatus(tenant, delivery.id, 'dead_letter', 30_000);

    // The notices about `ep` (failing, dead-lettered) reach the operator's endpoint, fail, and
    // dead-letter in turn — without announcing anything about themselves.
    const notices = await waitFor(
      async () => {
        const all = await listDeliveries(tenant, `?endpoint_id=${ops.endpoint.id}`);
        return all.length === 2 && all.every((d) => d.status === 'dead_letter') ? all : undefined;
      },
      40_000,
      "the operator endpoint's notices to dead-letter",
    );
    expect(notices.map((d) => d.event_type).sort()).toEqual(['delivery.dead_lettered', 'endpoint.failing']);
    await new Promise((res) => setTimeout(res, 2000));
    expect((await eventTypesOf(tenant)).sort()).toEqual(['delivery.dead_lettered', 'endpoint.failing', 'order.created']);
    // Notices do not count towards the operator endpoint's own health.
    const row = await stack.orm.em.fork().findOneOrFail(Endpoint, { id: ops.endpoint.id });
    expect(row.consecutiveFailures).toBe(0);
    expect(row.status).toBe('active');
  });
});
