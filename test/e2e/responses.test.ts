import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { startReceiver, waitFor, type Receiver } from '../helpers/receiver.js';
import { deliverOne, getDelivery, waitForDeliveryStatus } from '../helpers/api.js';

let stack: Stack;
const receivers: Receiver[] = [];
const receiver = async (...args: Parameters<typeof startReceiver>) => {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
};

beforeAll(async () => {
  stack = await startStack({ retrySchedule: [1, 1, 1], maxRetryIntervalSeconds: 3 });
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await stack?.stop();
});

describe('how receiver answers are handled', () => {
  it('disables the endpoint on 410 Gone and fails the delivery without retrying', async () => {
    const tenant = await stack.newTenant();
    const r = await receiver(() => ({ status: 410 }));
    const { endpoint, deliveryId } = await deliverOne(tenant, r.url);
    const failed = await waitForDeliveryStatus(tenant, deliveryId, 'failed');
    expect(failed.failure_reason).toBe('gone');
    expect(failed.attempts).toHaveLength(1);
    const ep = await tenant.api('GET', `/endpoints/${endpoint.id}`);
    expect(ep.body.status).toBe('disabled');
    expect(ep.body.disabled_reason).toBe('gone');
    expect(ep.body.active).toBe(false);
    await new Promise((res) => setTimeout(res, 1500));
    expect(r.requests).toHaveLength(1);
  });

  it('waits at least the Retry-After of a 429 before the next attempt', async () => {
    const tenant = await stack.newTenant();
    const r = await receiver((i) => (i === 0 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 }));
    const { deliveryId } = await deliverOne(tenant, r.url);
    const done = await waitForDeliveryStatus(tenant, deliveryId, 'delivered');
    expect(done.attempts.map((a: any) => a.response_status)).toEqual([429, 200]);
    const gap = r.requests[1]!.receivedAt - r.requests[0]!.receivedAt;
    expect(gap).toBeGreaterThanOrEqual(2000);
  });

  it('treats a 302 as a failure and never contacts the redirect target', async () => {
    const tenant = await stack.newTenant();
    const target = await receiver();
    const r = await receiver(() => ({ status: 302, headers: { location: target.url } }));
    const { deliveryId } = await deliverOne(tenant, r.url);
    await waitFor(() => r.requests.length >= 2, 15_000, 'a retry after the 302');
    const d = await getDelivery(tenant, deliveryId);
    expect(d.status).toBe('pending');
    expect(d.attempts[0].response_status).toBe(302);
    expect(target.requests).toHaveLength(0);
  });

  it('retries connection failures like any other failure', async () => {
    const tenant = await stack.newTenant();
    const closed = await receiver();
    const url = closed.url;
    await closed.close();
    receivers.splice(receivers.indexOf(closed), 1);
    const { deliveryId } = await deliverOne(tenant, url);
    const dead = await waitForDeliveryStatus(tenant, deliveryId, 'dead_letter', 40_000);
    expect(dead.attempts).toHaveLength(4);
    for (const a of dead.attempts) {
      expect(a.response_status).toBeNull();
      expect(a.error).toMatch(/ECONNREFUSED/);
    }
  });
});
