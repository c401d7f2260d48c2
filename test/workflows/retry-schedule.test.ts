import { describe, expect, it } from 'vitest';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { Webhook } from 'standardwebhooks';
import { loadConfig } from '../../src/config.js';
import { Delivery } from '../../src/db/entities/index.js';
import { searchAttributes } from '../../src/temporal/search-attributes.js';
import { waitFor } from '../helpers/receiver.js';
import { useWorkflowHarness } from './use-harness.js';

// Without a time-skipping test server (see README, "Workflow tests"), the default schedule runs
// compressed: each of its waits divided by this, so its 29 hours take about five seconds.
const COMPRESSION = 20_000;
const DEFAULT_SCHEDULE = loadConfig({}).retryScheduleSeconds;
const JITTER = 0.2;

const { harness, receivers } = useWorkflowHarness();

describe('the retry schedule', () => {
  it('attempts once per step of the default schedule, then dead-letters the delivery, fails its workflow and announces it', async () => {
    const schedule = DEFAULT_SCHEDULE.map((s) => s / COMPRESSION);
    const worker = await harness.startWorker({ retryScheduleSeconds: schedule });
    const tenant = await worker.newTenant();
    const down = await receivers.start(() => ({ status: 500, body: 'down' }));
    const ops = await receivers.start();
    await tenant.createEndpoint({ url: down.url, event_types: ['order.created'] });
    const opsEndpoint = await tenant.createEndpoint({ url: ops.url, event_types: ['delivery.dead_lettered'] });

    const [deliveryId] = await tenant.publish('order.created', { order: 'o_1' });
    const handle = await worker.startDelivery(deliveryId!);
    const failure = await handle.result().then(
      () => undefined,
      (err: unknown) => err,
    );

    // The workflow ends Failed, so the Web UI's failed filter lists the dead letter.
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('DeadLettered');
    expect((cause as ApplicationFailure).message).toBe('delivery dead-lettered after 8 attempts (retries_exhausted)');
    const description = await handle.describe();
    expect(description.status.name).toBe('FAILED');
    expect(description.typedSearchAttributes.get(searchAttributes.deliveryStatus)).toBe('dead_letter');

    const row = await harness.delivery(deliveryId!);
    expect(row).toMatchObject({ status: 'dead_letter', failureReason: 'retries_exhausted', attemptCount: 8, lastResponseStatus: 500, nextAttemptAt: null });
    const attempts = await harness.attempts(deliveryId!);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(attempts.every((a) => a.responseStatus === 500)).toBe(true);
    // Each retry waited out its step of the schedule (less the jitter at most).
    for (let i = 1; i < attempts.length; i++) {
      const waitedMs = attempts[i]!.startedAt.getTime() - attempts[i - 1]!.startedAt.getTime();
      expect(waitedMs, `wait before attempt ${i + 1}`).toBeGreaterThanOrEqual(Math.floor(schedule[i - 1]! * 1000 * (1 - JITTER)));
    }
    expect(down.requests).toHaveLength(8);
    expect(new Set(down.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);

    // The announcement is an ordinary delivery to the endpoint that subscribes to it.
    const announced = await waitFor(
      async () => (await harness.orm.em.fork().findOne(Delivery, { endpointId: opsEndpoint.endpoint.id })) ?? undefined,
      10_000,
      'the delivery.dead_lettered delivery',
    );
    await expect((await worker.startDelivery(announced.id)).result()).resolves.toMatchObject({ status: 'delivered' });
    const notice = ops.requests[0]!;
    const body = new Webhook(opsEndpoint.secret).verify(notice.body, notice.headers) as { type: string; data: unknown };
    expect(body).toMatchObject({
      type: 'delivery.dead_lettered',
      data: { delivery_id: deliveryId, attempts: 8, reason: 'retries_exhausted', event_type: 'order.created' },
    });
  });

  it('delivers on the first accepted retry and stops there', async () => {
    const worker = await harness.startWorker({ retryScheduleSeconds: [0.2, 0.2, 0.2, 0.2] });
    const tenant = await worker.newTenant();
    const flaky = await receivers.start((i) => ({ status: i < 2 ? 503 : 200 }));
    await tenant.createEndpoint({ url: flaky.url });
    const [deliveryId] = await tenant.publish('order.created', { order: 'o_2' });
    const handle = await worker.startDelivery(deliveryId!);

    await expect(handle.result()).resolves.toEqual({ status: 'delivered', attempts: 3 });
    const row = await harness.delivery(deliveryId!);
    expect(row).toMatchObject({ status: 'delivered', attemptCount: 3, lastResponseStatus: 200, nextAttemptAt: null, failureReason: null });
    expect(row.deliveredAt).not.toBeNull();
    expect((await harness.attempts(deliveryId!)).map((a) => [a.attempt, a.responseStatus])).toEqual([
      [1, 503],
      [2, 503],
      [3, 200],
    ]);
    expect((await handle.describe()).typedSearchAttributes.get(searchAttributes.deliveryStatus)).toBe('delivered');
    expect(flaky.requests).toHaveLength(3);
  });
});
