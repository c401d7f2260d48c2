import { describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import type { AttemptOutcome } from '../../activities/index.js';
import type { DeliveryState } from '../../workflows/messages.js';
import { historyEventTypes } from '../helpers/history.js';
import { waitFor } from '../helpers/receiver.js';
import { resultWithin, type AttemptInput } from './harness.js';
import { useWorkflowHarness, stateOf } from './use-harness.js';

const { harness, receivers } = useWorkflowHarness();

async function waitForPhase(handle: WorkflowHandle, phase: DeliveryState['phase']): Promise<void> {
  await waitFor(async () => (await stateOf(handle)).phase === phase, 10_000, `phase ${phase}`);
}

/** Waits until the workflow's history holds `count` signals (the server has them in order). */
async function waitForSignals(handle: WorkflowHandle, count: number): Promise<void> {
  await waitFor(
    async () => historyEventTypes(await handle.fetchHistory()).filter((t) => t === 'WORKFLOW_EXECUTION_SIGNALED').length >= count,
    10_000,
    `${count} signals in the history`,
  );
}

/**
 * Stops the first attempt whose outcome matches between the activity and the workflow: `reached`
 * resolves when one is held there, and it goes on when `release` is called.
 */
function attemptGate(matches: (input: AttemptInput, outcome: AttemptOutcome) => boolean) {
  let release!: () => void;
  let reached!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
  let used = false;
  return {
    reached: reachedPromise,
    release: () => release(),
    async afterAttempt(input: AttemptInput, outcome: AttemptOutcome) {
      if (used || !matches(input, outcome)) return;
      used = true;
      reached();
      await released;
    },
  };
}

describe('pause, resume and attemptNow racing the workflow', () => {
  it('attempts at once on attemptNow during a backoff instead of waiting it out', async () => {
    const worker = await harness.startWorker({ retryScheduleSeconds: [600] });
    const tenant = await worker.newTenant();
    const r = await receivers.start((i) => ({ status: i === 0 ? 500 : 200 }));
    await tenant.createEndpoint({ url: r.url });
    const [deliveryId] = await tenant.publish('order.created', { order: 'o_1' });
    const handle = await worker.startDelivery(deliveryId!);
    await waitForPhase(handle, 'backoff');
    const backoff = await harness.delivery(deliveryId!);
    expect(backoff.nextAttemptAt!.getTime() - Date.now()).toBeGreaterThan(400_000);

    const askedAt = Date.now();
    await tenant.retry(deliveryId!);
    await expect(resultWithin(handle, 10_000)).resolves.toEqual({ status: 'delivered', attempts: 2 });
    expect(r.requests[1]!.receivedAt - askedAt).toBeLessThan(3000);
    expect(await harness.delivery(deliveryId!)).toMatchObject({ status: 'delivered', attemptCount: 2, nextAttemptAt: null });
  });

  it('keeps an attemptNow that arrives during an attempt: when that attempt fails, the retry goes at once', async () => {
    const gate = attemptGate((input) => input.attempt === 2);
    const worker = await harness.startWorker({ retryScheduleSeconds: [0.2, 600], afterAttempt: gate.afterAttempt });
    const tenant = await worker.newTenant();
    const r = await receivers.start((i) => ({ status: i < 2 ? 500 : 200 }));
    await tenant.createEndpoint({ url: r.url });
    const [deliveryId] = await tenant.publish('order.created', { order: 'o_2' });
    const handle = await worker.startDelivery(deliveryId!);

    await gate.reached;
    await tenant.retry(deliveryId!);
    await waitForSignals(handle, 1);
    gate.release();
    // Without the signal the third attempt would wait out the 600 s step.
    await expect(resultWithin(handle, 10_000)).resolves.toEqual({ status: 'delivered', attempts: 3 });
    expect((await harness.attempts(deliveryId!)).map((a) => a.responseStatus)).toEqual([500, 500, 200]);
  });

  it('holds a delivery whose endpoint is paused during an attempt, once that attempt has failed, and sends it on resume', async () => {
    const gate = attemptGate((input) => input.attempt === 2);
    const worker = await harness.startWorker({ retryScheduleSeconds: [0.2, 0.2, 0.2], afterAttempt: gate.afterAttempt });
    const tenant = await worker.newTenant();
    const r = await receivers.start((i) => ({ status: i < 2 ? 500 : 200 }));
    const { endpoint } = await tenant.createEndpoint({ url: r.url });
    const [deliveryId] = await tenant.publish('order.created', { order: 'o_3' });
    const handle = await worker.startDelivery(deliveryId!);

    await gate.reached;
    await tenant.updateEndpoint(endpoint.id, { status: 'paused' });
    await waitForSignals(handle, 1);
    gate.release();
    await waitForPhase(handle, 'held');
    // Well past the 0.2 s step: no third attempt while paused.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(r.requests).toHaveLength(2);
    expect(await harness.delivery(deliveryId!)).toMatchObject({ status: 'pending', attemptCount: 2 });

    const resumedAt = Date.now();
    await tenant.updateEndpoint(endpoint.id, { status: 'active' });
    await expect(resultWithin(handle, 10_000)).resolves.toEqual({ status: 'delivered', attempts: 3 });
    expect(r.requests[2]!.receivedAt - resumedAt).toBeLessThan(3000);
  });

  it('releases a delivery at once when the resume arrives while an attempt is finding the endpoint paused', async () => {
    const gate = attemptGate((_input, outcome) => outcome.kind === 'held');
    const worker = await harness.startWorker({ afterAttempt: gate.afterAttempt });
    const tenant = await worker.newTenant();
    const r = await receivers.start();
    const { endpoint } = await tenant.createEndpoint({ url: r.url, status: 'paused' });
    const [deliveryId] = await tenant.publish('order.created', { order: 'o_4' });
    const handle = await worker.startDelivery(deliveryId!);
    await waitForPhase(handle, 'held');

    // An attemptNow wakes the held delivery; its attempt finds the endpoint still paused...
    await tenant.retry(deliveryId!);
    await gate.reached;
    // ...and the resume lands before the workflow hears so.
    await tenant.updateEndpoint(endpoint.id, { status: 'active' });
    await waitForSignals(handle, 2);
    gate.release();

    // Not held again until the next hourly look at the endpoint: delivered now.
    await expect(resultWithin(handle, 10_000)).resolves.toEqual({ status: 'delivered', attempts: 1 });
    expect(r.requests).toHaveLength(1);
  });

  it('sends nothing on attemptNow while the endpoint stays paused, and holds the delivery again', async () => {
    const worker = await harness.startWorker();
    const tenant = await worker.newTenant();
    const r = await receivers.start();
    await tenant.createEndpoint({ url: r.url, status: 'paused' });
    const [deliveryId] = await tenant.publish('order.created', { order: 'o_5' });
    const handle = await worker.startDelivery(deliveryId!);
    await waitForPhase(handle, 'held');

    await tenant.retry(deliveryId!);
    // The attempt it asked for ran (an activity) and found the endpoint paused.
    await waitFor(
      async () => historyEventTypes(await handle.fetchHistory()).includes('ACTIVITY_TASK_COMPLETED'),
      10_000,
      'the attempt asked for',
    );
    await waitForPhase(handle, 'held');
    expect(r.requests).toHaveLength(0);
    expect(await harness.delivery(deliveryId!)).toMatchObject({ status: 'pending', attemptCount: 0 });
    expect(await harness.attempts(deliveryId!)).toHaveLength(0);
  });
});
