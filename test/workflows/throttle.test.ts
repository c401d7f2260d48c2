import { describe, expect, it } from 'vitest';
import { historyEventTypes } from '../helpers/history.js';
import { waitFor } from '../helpers/receiver.js';
import { resultWithin } from './harness.js';
import { useWorkflowHarness, stateOf } from './use-harness.js';

const { harness, receivers } = useWorkflowHarness();

/**
 * Leaves the endpoint's token bucket empty, refilling only from `ms` from now on: every worker
 * is refused a token until then (and for one token interval after).
 */
async function emptyBucketFor(endpointId: string, ms: number): Promise<void> {
  await harness.orm.em.fork().execute(
    `insert into endpoint_rate_limits (endpoint_id, tokens_milli, refilled_at)
     values (?, 0, statement_timestamp() + ? * interval '1 millisecond')
     on conflict (endpoint_id) do update set tokens_milli = 0, refilled_at = excluded.refilled_at`,
    [endpointId, ms],
  );
}

/** A full bucket again, at once. */
async function refillBucket(endpointId: string, ratePerSecond: number): Promise<void> {
  await harness.orm.em.fork().execute(
    `update endpoint_rate_limits set tokens_milli = ?, refilled_at = statement_timestamp() where endpoint_id = ?`,
    [ratePerSecond * 1000, endpointId],
  );
}

describe('rate_limit_per_second in the workflow', () => {
  it('waits on durable timers while its endpoint has no token, sending nothing and counting no attempt', async () => {
    const worker = await harness.startWorker();
    const tenant = await worker.newTenant();
    const r = await receivers.start();
    const { endpoint } = await tenant.createEndpoint({ url: r.url, rate_limit_per_second: 1 });
    await emptyBucketFor(endpoint.id, 1500);
    const [deliveryId] = await tenant.publish('order.created', { order: 'o_1' });
    const started = Date.now();
    const handle = await worker.startDelivery(deliveryId!);

    const throttled = await waitFor(async () => {
      const state = await stateOf(handle);
      return state.phase === 'throttled' ? state : undefined;
    }, 5000, 'the delivery to be throttled');
    expect(throttled.attempts).toBe(0);
    expect(Date.parse(throttled.nextAttemptAt!)).toBeGreaterThan(started);
    expect(await harness.delivery(deliveryId!)).toMatchObject({ status: 'pending', attemptCount: 0 });
    expect(r.requests).toHaveLength(0);

    await expect(resultWithin(handle, 15_000)).resolves.toEqual({ status: 'delivered', attempts: 1 });
    // Refused until the bucket began refilling and a whole token had come back.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2500 - 100);
    expect((await harness.attempts(deliveryId!)).map((a) => [a.attempt, a.responseStatus])).toEqual([[1, 200]]);
    expect(r.requests).toHaveLength(1);

    const types = historyEventTypes(await handle.fetchHistory());
    // The first refusal came from the opening local activity; each refusal is followed by a timer
    // and then an attempt as an activity (how many depends on when the token came back). Nothing failed.
    const timers = types.filter((t) => t === 'TIMER_STARTED').length;
    expect(timers).toBeGreaterThanOrEqual(1);
    expect(types.filter((t) => t === 'ACTIVITY_TASK_SCHEDULED').length).toBe(timers);
    expect(types.filter((t) => t.includes('FAILED') || t.includes('TIMED_OUT'))).toEqual([]);
  });

  it('keeps the attempt number of a retry that finds no token', async () => {
    const worker = await harness.startWorker({ retryScheduleSeconds: [0.5, 0.5] });
    const tenant = await worker.newTenant();
    const r = await receivers.start((i) => ({ status: i === 0 ? 500 : 200 }));
    const { endpoint } = await tenant.createEndpoint({ url: r.url, rate_limit_per_second: 1 });
    const [deliveryId] = await tenant.publish('order.created', { order: 'o_2' });
    const handle = await worker.startDelivery(deliveryId!);
    // The first attempt took the bucket's only token; the retry finds none for a while.
    await waitFor(async () => (await harness.attempts(deliveryId!)).length === 1, 5000, 'the first attempt');
    await emptyBucketFor(endpoint.id, 2000);

    await waitFor(async () => (await stateOf(handle)).phase === 'throttled', 5000, 'the retry to be throttled');
    await expect(resultWithin(handle, 15_000)).resolves.toEqual({ status: 'delivered', attempts: 2 });
    expect((await harness.attempts(deliveryId!)).map((a) => [a.attempt, a.responseStatus])).toEqual([
      [1, 500],
      [2, 200],
    ]);
    expect(await harness.delivery(deliveryId!)).toMatchObject({ status: 'delivered', attemptCount: 2 });
    expect(r.requests).toHaveLength(2);
  });

  it('holds a throttled delivery when its endpoint is paused, even once tokens are back, until it is resumed', async () => {
    const worker = await harness.startWorker();
    const tenant = await worker.newTenant();
    const r = await receivers.start();
    const { endpoint } = await tenant.createEndpoint({ url: r.url, rate_limit_per_second: 1 });
    await emptyBucketFor(endpoint.id, 60_000);
    const [deliveryId] = await tenant.publish('order.created', { order: 'o_3' });
    const handle = await worker.startDelivery(deliveryId!);
    await waitFor(async () => (await stateOf(handle)).phase === 'throttled', 5000, 'the delivery to be throttled');

    await tenant.updateEndpoint(endpoint.id, { status: 'paused' });
    await waitFor(async () => (await stateOf(handle)).phase === 'held', 5000, 'the delivery to be held');
    await refillBucket(endpoint.id, 1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(r.requests).toHaveLength(0);
    expect((await stateOf(handle)).phase).toBe('held');

    await tenant.updateEndpoint(endpoint.id, { status: 'active' });
    await expect(resultWithin(handle, 15_000)).resolves.toEqual({ status: 'delivered', attempts: 1 });
    expect(r.requests).toHaveLength(1);
  });
});
