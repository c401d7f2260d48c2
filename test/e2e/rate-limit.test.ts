import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { EndpointRateLimit } from '../../src/db/entities/index.js';
import { secretBoxFor, startWorker } from '../../src/main/runtime.js';
import { temporalSettings } from '../../src/main/runtime.js';
import { deliveryWorkflowId } from '../../src/temporal/workflow-ids.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { receiverPool, waitFor } from '../helpers/receiver.js';
import { createEndpoint, getDelivery, listDeliveries, publish } from '../helpers/api.js';

let stack: Stack;
let secondWorker: { stop(): Promise<void> } | undefined;
const receivers = receiverPool();
const receiver = receivers.start;

beforeAll(async () => {
  stack = await startStack();
  // A second worker on the same task queue: the limit holds across workers, not per process.
  const config = loadConfig(stack.workerEnv);
  secondWorker = await startWorker(config, {
    orm: stack.orm,
    secretBox: secretBoxFor(config, false),
    temporal: temporalSettings(config, stack.env.temporalAddress),
    logger: createLogger(config.logLevel, 'hookline-test-worker-2'),
  });
});
afterAll(async () => {
  await receivers.closeAll();
  await secondWorker?.stop();
  await stack?.stop();
});

describe('rate_limit_per_second', () => {
  it('spaces the deliveries of a limited endpoint to its rate across workers, without failing or repeating any', async () => {
    const tenant = await stack.newTenant();
    const limited = await receiver();
    const free = await receiver();
    const ep = await createEndpoint(tenant, { url: limited.url, event_types: ['order.created'], rate_limit_per_second: 2 });
    const unlimited = await createEndpoint(tenant, { url: free.url, event_types: ['order.created'] });

    await Promise.all(Array.from({ length: 10 }, (_, i) => publish(tenant, 'order.created', { n: i })));
    await waitFor(() => limited.requests.length >= 10, 30_000, 'ten deliveries to the limited endpoint');

    const deliveries = await listDeliveries(tenant, `?endpoint_id=${ep.id}`);
    expect(deliveries).toHaveLength(10);
    const details = await Promise.all(deliveries.map((d) => getDelivery(tenant, d.id)));
    for (const d of details) {
      // Throttling is not a failure: one attempt, numbered 1, delivered.
      expect(d.status).toBe('delivered');
      expect(d.attempt_count).toBe(1);
      expect(d.attempts.map((a: any) => a.attempt)).toEqual([1]);
    }
    // Each delivered once.
    await new Promise((res) => setTimeout(res, 1000));
    expect(limited.requests).toHaveLength(10);
    expect(new Set(limited.requests.map((q) => q.headers['webhook-id'])).size).toBe(10);

    // A burst of 2, then 2 a second: requests i..j (j > i) need (j - i - 1) half-second refills
    // between them, so the 10th goes out 4 s after the first and no 1 s window holds more than 3.
    // Measured when each attempt started (its token taken), not when it reached the receiver, so
    // the network and a busy receiver add no jitter; SEND_JITTER allows for the rest.
    const SEND_JITTER_MS = 150;
    const times = details.map((d) => Date.parse(d.attempts[0].started_at)).sort((a, b) => a - b);
    const offsets = times.map((t) => t - times[0]!).join(', ');
    expect(times[9]! - times[0]!, `arrivals (ms): ${offsets}`).toBeGreaterThanOrEqual(4000 - SEND_JITTER_MS);
    for (let i = 0; i < times.length; i++) {
      for (let j = i + 1; j < times.length; j++) {
        expect(times[j]! - times[i]!, `requests ${i}..${j}, arrivals (ms): ${offsets}`).toBeGreaterThanOrEqual((j - i - 1) * 500 - SEND_JITTER_MS);
      }
    }

    // The wait is a durable workflow timer, not a failed attempt: the last delivery's workflow
    // slept on a timer after each attempt that found no token, and the last attempt sent.
    const last = details.find((d) => d.attempts[0].request_headers['webhook-id'] === limited.requests.at(-1)!.headers['webhook-id'])
      ?? details[0];
    const workflow = stack.temporal.workflow.getHandle(deliveryWorkflowId(last.id));
    await workflow.result();
    const history = await workflow.fetchHistory();
    const events = history.events ?? [];
    const timers = events.filter((e) => e.timerStartedEventAttributes).length;
    // The first attempt is the run's opening local activity (a marker); the others are activities.
    expect(events.some((e) => e.markerRecordedEventAttributes)).toBe(true);
    const attempts = 1 + events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'attemptDelivery').length;
    expect(timers).toBeGreaterThanOrEqual(1);
    expect(attempts).toBe(timers + 1);
    // And the current workflow code replays it.
    await expect(Worker.runReplayHistory({ workflowBundle: { codePath: stack.env.workflowBundlePath } }, history, workflow.workflowId)).resolves.toBeUndefined();

    // The endpoint without a limit was sent everything at once and never touched a bucket.
    await waitFor(() => free.requests.length >= 10, 15_000, 'the unlimited endpoint');
    const em = stack.orm.em.fork();
    expect(await em.count(EndpointRateLimit, { endpointId: unlimited.id })).toBe(0);
    expect(await em.count(EndpointRateLimit, { endpointId: ep.id })).toBe(1);
  });
});
