import { describe, expect, it } from 'vitest';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { DeliveryState } from '../../workflows/messages.js';
import { waitFor } from '../helpers/receiver.js';
import { resultWithin } from './harness.js';
import { useWorkflowHarness } from './use-harness.js';

const HOLD_DEADLINE_SECONDS = 2;

const { harness, receivers } = useWorkflowHarness();

/** The workflow's failure message, or a note that it did not fail. */
async function failureOf(handle: WorkflowHandle): Promise<string> {
  return handle.result().then(
    (result) => `completed: ${JSON.stringify(result)}`,
    (err: unknown) => (err instanceof WorkflowFailedError ? (err.cause?.message ?? err.message) : String(err)),
  );
}

async function phaseOf(handle: WorkflowHandle): Promise<DeliveryState['phase']> {
  return (await handle.query<DeliveryState>('status')).phase;
}

describe('the hold deadline of a paused endpoint', () => {
  it('dead-letters a delivery held past its deadline without ever attempting it', async () => {
    const worker = await harness.startWorker({ holdDeadlineSeconds: HOLD_DEADLINE_SECONDS });
    const tenant = await worker.newTenant();
    const r = await receivers.start();
    await tenant.createEndpoint({ url: r.url, status: 'paused' });
    const [deliveryId] = await tenant.publish('order.created', { order: 'o_1' });
    const started = Date.now();
    const handle = await worker.startDelivery(deliveryId!);

    await waitFor(async () => (await phaseOf(handle)) === 'held', 5000, 'the delivery to be held');
    expect((await harness.delivery(deliveryId!)).status).toBe('pending');

    expect(await failureOf(handle)).toBe('delivery dead-lettered after 0 attempts (hold_deadline)');
    expect(Date.now() - started).toBeGreaterThanOrEqual(HOLD_DEADLINE_SECONDS * 1000);
    expect(await harness.delivery(deliveryId!)).toMatchObject({ status: 'dead_letter', failureReason: 'hold_deadline', attemptCount: 0 });
    expect(await harness.attempts(deliveryId!)).toHaveLength(0);
    expect(r.requests).toHaveLength(0);
  });

  it('counts the deadline from the pause, for a delivery paused during its backoff, and keeps the attempts it made', async () => {
    const worker = await harness.startWorker({ retryScheduleSeconds: [8, 8], holdDeadlineSeconds: HOLD_DEADLINE_SECONDS });
    const tenant = await worker.newTenant();
    const r = await receivers.start(() => ({ status: 500 }));
    const { endpoint } = await tenant.createEndpoint({ url: r.url });
    const [deliveryId] = await tenant.publish('order.created', { order: 'o_2' });
    const handle = await worker.startDelivery(deliveryId!);
    await waitFor(async () => (await phaseOf(handle)) === 'backoff', 10_000, 'the first backoff');

    const pausedAt = Date.now();
    await tenant.updateEndpoint(endpoint.id, { status: 'paused' });
    await waitFor(async () => (await phaseOf(handle)) === 'held', 5000, 'the delivery to be held');

    expect(await failureOf(handle)).toBe('delivery dead-lettered after 1 attempts (hold_deadline)');
    const heldMs = Date.now() - pausedAt;
    expect(heldMs).toBeGreaterThanOrEqual(HOLD_DEADLINE_SECONDS * 1000);
    // The pause cut the 8 s backoff short: the deadline ran from the pause, not from its end.
    expect(heldMs).toBeLessThan(8 * 0.8 * 1000);
    expect(await harness.delivery(deliveryId!)).toMatchObject({ status: 'dead_letter', failureReason: 'hold_deadline', attemptCount: 1 });
    expect(r.requests).toHaveLength(1);
  });

  it('ends a held test delivery as failed, not dead-lettered', async () => {
    const worker = await harness.startWorker({ holdDeadlineSeconds: HOLD_DEADLINE_SECONDS });
    const tenant = await worker.newTenant();
    const r = await receivers.start();
    const { endpoint } = await tenant.createEndpoint({ url: r.url, status: 'paused' });
    const deliveryId = await tenant.sendTest(endpoint.id);
    const handle = await worker.startDelivery(deliveryId);

    await expect(resultWithin(handle, 15_000)).resolves.toEqual({ status: 'failed', attempts: 0, reason: 'hold_deadline' });
    expect(await harness.delivery(deliveryId)).toMatchObject({ status: 'failed', failureReason: 'hold_deadline', attemptCount: 0 });
    expect(r.requests).toHaveLength(0);
  });

  it('delivers a held delivery at once when its endpoint is resumed before the deadline', async () => {
    const worker = await harness.startWorker({ holdDeadlineSeconds: 30 });
    const tenant = await worker.newTenant();
    const r = await receivers.start();
    const { endpoint } = await tenant.createEndpoint({ url: r.url, status: 'paused' });
    const [deliveryId] = await tenant.publish('order.created', { order: 'o_3' });
    const handle = await worker.startDelivery(deliveryId!);
    await waitFor(async () => (await phaseOf(handle)) === 'held', 5000, 'the delivery to be held');

    const resumedAt = Date.now();
    await tenant.updateEndpoint(endpoint.id, { active: true });
    await expect(resultWithin(handle, 15_000)).resolves.toEqual({ status: 'delivered', attempts: 1 });
    // Released by the resume signal, not by the next hourly look at the endpoint.
    expect(r.requests[0]!.receivedAt - resumedAt).toBeLessThan(3000);
    expect(await harness.delivery(deliveryId!)).toMatchObject({ status: 'delivered', attemptCount: 1 });
  });
});
