import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { startStack, type Stack } from '../helpers/stack.js';
import { receiverPool, waitFor } from '../helpers/receiver.js';
import { deliveryWorkflowId } from '../../src/temporal/workflow-ids.js';
import { createEndpoint, listDeliveries as deliveriesOf, publish, waitForDeliveryStatus as waitForStatus } from '../helpers/api.js';

let stack: Stack;
const receivers = receiverPool();
const receiver = receivers.start;

beforeAll(async () => {
  stack = await startStack({ retrySchedule: [1, 1, 1] });
});
afterAll(async () => {
  await receivers.closeAll();
  await stack?.stop();
});


describe('delivery path', () => {
  it('fans an event out to the subscribed endpoints only, signed so standardwebhooks and svix verify it', async () => {
    const tenant = await stack.newTenant();
    const [a, b, c] = await Promise.all([receiver(), receiver(), receiver()]);
    const epA = await createEndpoint(tenant, { url: a.url, event_types: ['invoice.paid'] });
    const epB = await createEndpoint(tenant, { url: b.url, event_types: ['invoice.*'] });
    await createEndpoint(tenant, { url: c.url, event_types: ['order.created'] });

    const event = await publish(tenant, 'invoice.paid', { invoice: 'in_1', amount: 4200 });
    expect(event.deliveries).toBe(2);

    await waitFor(() => a.requests.length === 1 && b.requests.length === 1, 20_000, 'both receivers');
    await new Promise((r) => setTimeout(r, 500));
    expect(c.requests).toHaveLength(0);

    for (const [recv, ep] of [
      [a, epA],
      [b, epB],
    ] as const) {
      const req = recv.requests[0]!;
      expect(req.method).toBe('POST');
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers['webhook-id']).toBe(event.id);
      const parsed = JSON.parse(req.body);
      expect(parsed).toMatchObject({ type: 'invoice.paid', data: { invoice: 'in_1', amount: 4200 } });
      expect(() => new StandardWebhook(ep.signing_secret).verify(req.body, req.headers)).not.toThrow();
      expect(() => new SvixWebhook(ep.signing_secret).verify(req.body, req.headers)).not.toThrow();
      // A different secret must not verify: the check is real.
      expect(() => new StandardWebhook(epA === ep ? epB.signing_secret : epA.signing_secret).verify(req.body, req.headers)).toThrow();
    }
    const deliveries = await deliveriesOf(tenant);
    expect(deliveries.map((d) => d.status).sort()).toEqual(['delivered', 'delivered']);
  });

  it('retries a receiver that answers 500, 500, 200 and records three attempts', async () => {
    const tenant = await stack.newTenant();
    const r = await receiver((i) => ({ status: i < 2 ? 500 : 200, body: i < 2 ? 'boom' : 'thanks' }));
    const ep = await createEndpoint(tenant, { url: r.url });
    await publish(tenant, 'order.created', { order: 'o_1' });
    const [delivery] = await deliveriesOf(tenant, `?endpoint_id=${ep.id}`);
    const done = await waitForStatus(tenant, delivery.id, 'delivered');

    expect(done.attempt_count).toBe(3);
    expect(done.last_response_status).toBe(200);
    expect(done.attempts.map((a: any) => a.response_status)).toEqual([500, 500, 200]);
    expect(done.attempts.map((a: any) => a.attempt)).toEqual([1, 2, 3]);
    for (const attempt of done.attempts) {
      expect(attempt.duration_ms).toBeGreaterThanOrEqual(0);
      expect(typeof attempt.started_at).toBe('string');
    }
    expect(done.attempts[0].response_body).toBe('boom');
    expect(done.payload).toMatchObject({ type: 'order.created', data: { order: 'o_1' } });
    expect(r.requests).toHaveLength(3);
    // Same webhook-id on every retry, so receivers can dedupe.
    expect(new Set(r.requests.map((q) => q.headers['webhook-id'])).size).toBe(1);
  });

  it('dead-letters a receiver that always fails, and the workflow ends Failed in Temporal', async () => {
    const tenant = await stack.newTenant();
    const r = await receiver(() => ({ status: 503 }));
    await createEndpoint(tenant, { url: r.url });
    await publish(tenant, 'order.created', { order: 'o_2' });
    const [delivery] = await deliveriesOf(tenant);
    const dead = await waitForStatus(tenant, delivery.id, 'dead_letter');
    expect(dead.attempt_count).toBe(4);
    expect(dead.failure_reason).toBe('retries_exhausted');
    expect(r.requests).toHaveLength(4);

    // The row is dead-lettered just before the workflow fails: wait for the workflow to close.
    const handle = stack.temporal.workflow.getHandle(deliveryWorkflowId(delivery.id));
    const description = await waitFor(
      async () => {
        const d = await handle.describe();
        return d.status.name === 'RUNNING' ? undefined : d;
      },
      10_000,
      'the workflow to close',
    );
    expect(description.status.name).toBe('FAILED');
    const sa = description.typedSearchAttributes;
    expect(sa.get({ name: 'WebhookDeliveryStatus', type: 'KEYWORD' } as never)).toBe('dead_letter');
    expect(sa.get({ name: 'WebhookTenantId', type: 'KEYWORD' } as never)).toBe(tenant.id);
  });
});
