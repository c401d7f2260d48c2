import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createOrm } from '../../src/db/orm.js';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities/index.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { HttpSender } from '../../src/delivery/http-sender.js';
import { AddressPolicy } from '../../src/delivery/address-policy.js';
import { activitySettings, secretBoxFor } from '../../src/main/runtime.js';
import { createDispatcher } from '../../src/temporal/dispatcher.js';
import type { DeliveryToStart, DeliveryWorkflows } from '../../src/temporal/client.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { createEndpoint, deliverOne, listDeliveries, publish } from '../helpers/api.js';

// No worker here: what the API commits stays in this task queue's dispatch queue until a test
// dispatches it, and the activities are run directly.
let stack: Stack;
const receivers: Receiver[] = [];
const logger = createLogger('silent', 'dispatch-test');

beforeAll(async () => {
  stack = await startStack({ worker: false });
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await stack?.stop();
});

/** Workflows that only count their starts, optionally failing them. */
function countingWorkflows(taskQueue: string, fail = false): DeliveryWorkflows & { started: string[] } {
  const started: string[] = [];
  const unused = () => Promise.reject(new Error('not used here'));
  return {
    taskQueue,
    started,
    async start(delivery: DeliveryToStart) {
      await new Promise((r) => setTimeout(r, 1));
      if (fail) throw new Error('Temporal is unavailable');
      started.push(delivery.id);
    },
    signal: unused,
    verify: unused,
    startVerification: unused,
    uiLink: () => null,
  };
}

async function queued(): Promise<{ id: string; dispatch_after: Date | null }[]> {
  return stack.orm.em
    .fork()
    .execute(`select id, dispatch_after from deliveries where dispatch_queue = ? and dispatch_after is not null`, [stack.taskQueue]);
}

function activityDeps(sender = new HttpSender(new AddressPolicy({ allowPrivate: true }))) {
  const config = loadConfig({ ...stack.workerEnv, LOG_LEVEL: 'silent' });
  const workflows = countingWorkflows(stack.taskQueue);
  return createActivities({
    orm: stack.orm,
    secretBox: secretBoxFor(config, false),
    sender,
    logger,
    temporal: stack.temporal,
    workflows,
    operationalEvents: { publish: async () => undefined },
    ...activitySettings(config),
  });
}

describe('the dispatch queue', () => {
  it('queues what the API commits, and two dispatchers start each delivery exactly once', async () => {
    const tenant = await stack.newTenant();
    const r = await startReceiver();
    receivers.push(r);
    await createEndpoint(tenant, { url: r.url });
    await createEndpoint(tenant, { url: r.url });
    for (let i = 0; i < 60; i++) await publish(tenant, 'order.created', { i });
    expect((await queued()).length).toBe(120);

    const a = countingWorkflows(stack.taskQueue);
    const b = countingWorkflows(stack.taskQueue);
    const one = createDispatcher({ orm: stack.orm, workflows: a, logger, batchSize: 25 });
    const two = createDispatcher({ orm: stack.orm, workflows: b, logger, batchSize: 25 });
    for (let round = 0; round < 10; round++) await Promise.all([one.dispatchOnce(), two.dispatchOnce()]);

    const all = [...a.started, ...b.started];
    expect(all).toHaveLength(120);
    expect(new Set(all).size).toBe(120);
    // Both took part: SKIP LOCKED let them share the queue instead of waiting on each other.
    expect(a.started.length).toBeGreaterThan(0);
    expect(b.started.length).toBeGreaterThan(0);
    expect(await queued()).toHaveLength(0);
  });

  it('keeps a delivery queued when its workflow cannot be started, and starts it later', async () => {
    const tenant = await stack.newTenant();
    const r = await startReceiver();
    receivers.push(r);
    const { deliveryId } = await deliverOne(tenant, r.url);
    const down = createDispatcher({ orm: stack.orm, workflows: countingWorkflows(stack.taskQueue, true), logger });
    await expect(down.dispatchOnce()).rejects.toThrow(/could not be started/);
    const [row] = (await queued()).filter((q) => q.id === deliveryId);
    expect(row?.dispatch_after).toBeTruthy();

    const up = countingWorkflows(stack.taskQueue);
    const dispatcher = createDispatcher({ orm: stack.orm, workflows: up, logger });
    // Put back with a short delay: not due at once, due within seconds.
    await new Promise((res) => setTimeout(res, 1200));
    await dispatcher.dispatchOnce();
    expect(up.started).toContain(deliveryId);
  });

  /** Publishes one event and waits until `workflows` saw its delivery start; false after 10 s. */
  async function startsPromptly(workflows: ReturnType<typeof countingWorkflows>): Promise<boolean> {
    const tenant = await stack.newTenant();
    const r = await startReceiver();
    receivers.push(r);
    await createEndpoint(tenant, { url: r.url });
    // Let the dispatcher's first round (at start) find the queue empty.
    await new Promise((res) => setTimeout(res, 300));
    await publish(tenant, 'order.created', { n: 1 });
    const [delivery] = await listDeliveries(tenant);
    const until = Date.now() + 10_000;
    while (!workflows.started.includes(delivery.id) && Date.now() < until) await new Promise((res) => setTimeout(res, 20));
    return workflows.started.includes(delivery.id);
  }

  // PGlite behind its socket relays no notifications between connections; CI runs on PostgreSQL.
  it.skipIf(inject('hookline').embeddedDatabase)(
    'is woken across processes by the commit of a delivery (LISTEN/NOTIFY), well before its poll interval',
    async () => {
      // An ORM of its own, as in another process: only the database's notification can wake it.
      const own = await createOrm(inject('hookline').databaseUrl, { max: 2 });
      const workflows = countingWorkflows(stack.taskQueue);
      const dispatcher = createDispatcher({ orm: own, workflows, logger, pollMs: 60_000 });
      await dispatcher.start();
      try {
        expect(await startsPromptly(workflows)).toBe(true);
      } finally {
        await dispatcher.stop();
        await own.close();
      }
    },
    30_000,
  );

  it('is woken at once by deliveries created through its own process, well before its poll interval', async () => {
    const workflows = countingWorkflows(stack.taskQueue);
    const dispatcher = createDispatcher({ orm: stack.orm, workflows, logger, pollMs: 60_000 });
    await dispatcher.start();
    try {
      expect(await startsPromptly(workflows)).toBe(true);
    } finally {
      await dispatcher.stop();
    }
  }, 30_000);
});

describe('the SSRF guard at send time', () => {
  it('records a refused address as blocked_address and connects to nothing', async () => {
    // The endpoint was accepted while its host resolved elsewhere (this stack allows loopback);
    // the worker's policy refuses loopback, as DNS pointing a public name at 127.0.0.1 would meet.
    const tenant = await stack.newTenant();
    const r = await startReceiver(() => ({ status: 200 }));
    receivers.push(r);
    const { deliveryId } = await deliverOne(tenant, r.url.replace('127.0.0.1', 'localhost'));
    const activities = activityDeps(new HttpSender(new AddressPolicy({ allowPrivate: false })));
    const env = new MockActivityEnvironment({ workflowExecution: { workflowId: `delivery-${deliveryId}`, runId: 'run-1' } });

    const outcome = await env.run(activities.attemptDelivery, { deliveryId, attempt: 1 });
    expect(outcome).toMatchObject({ kind: 'retry', status: null });
    expect(r.requests).toHaveLength(0);
    const detail = await tenant.api('GET', `/deliveries/${deliveryId}`);
    expect(detail.body.attempts).toEqual([
      expect.objectContaining({ attempt: 1, response_status: null, error_code: 'blocked_address', error: expect.stringMatching(/localhost resolves to .*refused \(loopback/) }),
    ]);
    // A retried step answers from the record, with the same code.
    const again = await env.run(activities.attemptDelivery, { deliveryId, attempt: 1 });
    expect(again).toEqual(outcome);
    expect(r.requests).toHaveLength(0);
  });
});

describe('attempts are idempotent', () => {
  it('answers a retried attempt with the recorded outcome instead of sending it again', async () => {
    const tenant = await stack.newTenant();
    const r = await startReceiver(() => ({ status: 200 }));
    receivers.push(r);
    const { deliveryId } = await deliverOne(tenant, r.url);
    const activities = activityDeps();
    const env = new MockActivityEnvironment({ workflowExecution: { workflowId: `delivery-${deliveryId}`, runId: 'run-1' } });

    const first = await env.run(activities.attemptDelivery, { deliveryId, attempt: 1 });
    const again = await env.run(activities.attemptDelivery, { deliveryId, attempt: 1 });
    expect(first).toMatchObject({ kind: 'delivered', status: 200 });
    expect(again).toEqual(first);
    expect(r.requests).toHaveLength(1);
    const rows = await stack.orm.em.fork().execute(`select attempt from attempts where delivery_id = ?`, [deliveryId]);
    expect(rows).toHaveLength(1);
  });

  it('answers a retried first step of a run with the attempt that run recorded', async () => {
    const tenant = await stack.newTenant();
    const r = await startReceiver(() => ({ status: 503, headers: { 'retry-after': '7' } }));
    receivers.push(r);
    const { deliveryId } = await deliverOne(tenant, r.url);
    const activities = activityDeps();
    const run = new MockActivityEnvironment({ workflowExecution: { workflowId: `delivery-${deliveryId}`, runId: 'run-a' } });

    type Started = Awaited<ReturnType<typeof activities.startDelivery>>;
    const first: Started = await run.run(activities.startDelivery, { deliveryId, sample: 0.5 });
    const again: Started = await run.run(activities.startDelivery, { deliveryId, sample: 0.5 });
    // The schedule here is 1 s apart and caps Retry-After at its longest interval (1 s).
    expect(first.outcome).toMatchObject({ kind: 'retry', status: 503, hint: { retryAfterMs: 7000 }, backoff: { delayMs: 1000 } });
    expect(again.outcome).toMatchObject({ kind: 'retry', status: 503, backoff: { delayMs: 1000 } });
    expect(again.plan).toEqual(first.plan);
    expect(first.plan.attemptCount).toBe(0);
    expect(r.requests).toHaveLength(1);
    // The wait was recorded with the attempt, for the API to show.
    const [row] = await stack.orm.em.fork().execute<{ next_attempt_at: string }[]>(`select next_attempt_at from deliveries where id = ?`, [deliveryId]);
    expect(new Date(row!.next_attempt_at).toISOString()).toBe(first.outcome.kind === 'retry' ? first.outcome.backoff?.nextAttemptAt : 'not a retry');

    // A new run (a reset from the Temporal CLI) makes a new attempt, numbered after the last.
    const reset = new MockActivityEnvironment({ workflowExecution: { workflowId: `delivery-${deliveryId}`, runId: 'run-b' } });
    const next: Started = await reset.run(activities.startDelivery, { deliveryId, sample: 0.5 });
    expect(next.plan.attemptCount).toBe(1);
    expect(r.requests).toHaveLength(2);
    const rows = await stack.orm.em.fork().execute<{ attempt: number }[]>(
      `select attempt from attempts where delivery_id = ? order by attempt`,
      [deliveryId],
    );
    expect(rows.map((x) => x.attempt)).toEqual([1, 2]);
  });

  it('records one attempt when two runs of the same step race, and both answer alike', async () => {
    const tenant = await stack.newTenant();
    const r = await startReceiver(() => ({ status: 200, delayMs: 100 }));
    receivers.push(r);
    const { deliveryId } = await deliverOne(tenant, r.url);
    const activities = activityDeps();
    const env = () => new MockActivityEnvironment({ workflowExecution: { workflowId: `delivery-${deliveryId}`, runId: 'run-x' } });
    const [a, b] = await Promise.all([
      env().run(activities.attemptDelivery, { deliveryId, attempt: 1 }),
      env().run(activities.attemptDelivery, { deliveryId, attempt: 1 }),
    ]);
    expect(a).toEqual(b);
    const rows = await stack.orm.em.fork().execute(`select attempt from attempts where delivery_id = ?`, [deliveryId]);
    expect(rows).toHaveLength(1);
    const [delivery] = await stack.orm.em.fork().execute<{ status: string; attempt_count: number }[]>(
      `select status, attempt_count from deliveries where id = ?`,
      [deliveryId],
    );
    expect(delivery).toMatchObject({ status: 'delivered', attempt_count: 1 });
  });
});
