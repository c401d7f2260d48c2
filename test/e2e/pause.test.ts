import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { startReceiver, waitFor, type Receiver } from '../helpers/receiver.js';
import { deliverOne, getDelivery, waitForDeliveryStatus } from '../helpers/api.js';
import { deliveryWorkflowId } from '../../src/temporal/workflow-ids.js';

let stack: Stack;
const receivers: Receiver[] = [];

beforeAll(async () => {
  stack = await startStack({ retrySchedule: [2, 2, 2, 2] });
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await stack?.stop();
});

describe('endpoint status reaches in-flight deliveries', () => {
  it('holds a retrying delivery while its endpoint is paused and delivers it on resume', async () => {
    const tenant = await stack.newTenant();
    const r = await startReceiver((i) => ({ status: i === 0 ? 500 : 200 }));
    receivers.push(r);
    const { endpoint, deliveryId } = await deliverOne(tenant, r.url);
    await waitFor(() => r.requests.length === 1, 15_000, 'first attempt');

    const paused = await tenant.api('PATCH', `/endpoints/${endpoint.id}`, { status: 'paused' });
    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe('paused');
    expect(paused.body.paused_at).not.toBeNull();

    // Well past the 2 s (+20 %) backoff: no attempt while paused.
    await new Promise((res) => setTimeout(res, 5000));
    expect(r.requests).toHaveLength(1);
    const held = await getDelivery(tenant, deliveryId);
    expect(held.status).toBe('pending');
    const state = await stack.temporal.workflow.getHandle(deliveryWorkflowId(deliveryId)).query<{ phase: string }>('status');
    expect(state.phase).toBe('held');

    const resumedAt = Date.now();
    const resumed = await tenant.api('PATCH', `/endpoints/${endpoint.id}`, { active: true });
    expect(resumed.body.status).toBe('active');
    const done = await waitForDeliveryStatus(tenant, deliveryId, 'delivered', 15_000);
    expect(done.attempts).toHaveLength(2);
    // Released at once, not after another backoff.
    expect(r.requests[1]!.receivedAt - resumedAt).toBeLessThan(1500);
  });

  it('ends a retrying delivery as failed when its endpoint is disabled', async () => {
    const tenant = await stack.newTenant();
    const r = await startReceiver(() => ({ status: 500 }));
    receivers.push(r);
    const { endpoint, deliveryId } = await deliverOne(tenant, r.url);
    await waitFor(() => r.requests.length === 1, 15_000, 'first attempt');
    const res = await tenant.api('PATCH', `/endpoints/${endpoint.id}`, { status: 'disabled' });
    expect(res.body.status).toBe('disabled');
    const failed = await waitForDeliveryStatus(tenant, deliveryId, 'failed');
    expect(failed.failure_reason).toBe('endpoint_disabled');
    const result = await stack.temporal.workflow.getHandle(deliveryWorkflowId(deliveryId)).result();
    expect(result).toMatchObject({ status: 'failed', reason: 'endpoint_disabled' });
    expect(r.requests).toHaveLength(1);
  });

  it('records a failed, never-attempted delivery for an endpoint that is disabled when the event arrives', async () => {
    const tenant = await stack.newTenant();
    const r = await startReceiver();
    receivers.push(r);
    const { deliveryId } = await deliverOne(tenant, r.url, { n: 2 }, { status: 'disabled' });
    const d = await getDelivery(tenant, deliveryId);
    expect(d.status).toBe('failed');
    expect(d.failure_reason).toBe('endpoint_disabled');
    expect(d.attempt_count).toBe(0);
    expect(r.requests).toHaveLength(0);
  });
});
