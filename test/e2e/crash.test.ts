import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { startWorkerProcess } from '../helpers/entry-point.js';
import { startReceiver, waitFor, type Receiver } from '../helpers/receiver.js';
import { deliverOne, waitForDeliveryStatus } from '../helpers/api.js';

let stack: Stack;
let receiver: Receiver | undefined;
const children: ChildProcess[] = [];

/** Starts `npm run worker`'s entry point as its own OS process and waits until it runs. */
async function spawnWorker(): Promise<ChildProcess> {
  const worker = await startWorkerProcess(stack.workerEnv);
  children.push(worker.process);
  return worker.process;
}

/** Kills every worker still running and waits for each to exit. */
async function stopWorkers(): Promise<void> {
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  await Promise.all(running.map((c) => new Promise<void>((res) => (c.once('exit', () => res()), c.kill('SIGKILL')))));
}

beforeAll(async () => {
  stack = await startStack({ retrySchedule: [1, 1, 1], worker: false });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await receiver?.close();
  await stack?.stop();
});

describe('crash safety', () => {
  it('completes a delivery after the worker is killed with SIGKILL in the middle of an attempt', async () => {
    const tenant = await stack.newTenant();
    // The first request is held open until the worker is dead; the second is accepted.
    receiver = await startReceiver((i) => (i === 0 ? { hang: true } : { status: 200 }));
    const first = await spawnWorker();
    const { deliveryId, event } = await deliverOne(tenant, receiver.url, { crash: true }, { timeout_seconds: 30 });
    await waitFor(() => receiver!.requests.length === 1, 30_000, 'the first attempt to reach the receiver');

    await spawnWorker();
    const killedAt = Date.now();
    first.kill('SIGKILL');
    await new Promise<void>((res) => first.once('exit', () => res()));
    expect(first.signalCode).toBe('SIGKILL');

    const done = await waitForDeliveryStatus(tenant, deliveryId, 'delivered', 60_000);
    // Reported, not asserted: how long the surviving worker took to send the attempt again.
    console.log(`failover: the attempt was sent again ${receiver.requests[1]!.receivedAt - killedAt} ms after the worker was killed`);
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([event.id, event.id]);
    expect(done.attempts.at(-1).response_status).toBe(200);
    // The killed attempt never finished, so only the successful one was recorded.
    expect(done.attempts).toHaveLength(1);
  });

  it('completes a delivery after the worker is killed with SIGKILL in the middle of a retry', async () => {
    const tenant = await stack.newTenant();
    // The first attempt fails, the retry (an activity) hangs until the worker is dead, the next is accepted.
    const r = await startReceiver((i) => (i === 0 ? { status: 503 } : i === 1 ? { hang: true } : { status: 200 }));
    // Only the worker about to be killed may take the retry: stop those of earlier tests.
    await stopWorkers();
    const first = await spawnWorker();
    try {
      const { deliveryId, event } = await deliverOne(tenant, r.url, { crash: 'retry' }, { timeout_seconds: 30 });
      await waitFor(() => r.requests.length === 2, 30_000, 'the retry to reach the receiver');

      await spawnWorker();
      const killedAt = Date.now();
      first.kill('SIGKILL');
      await new Promise<void>((res) => first.once('exit', () => res()));

      const done = await waitForDeliveryStatus(tenant, deliveryId, 'delivered', 60_000);
      console.log(`failover: the retry was sent again ${r.requests[2]!.receivedAt - killedAt} ms after the worker was killed`);
      expect(r.requests.map((q) => q.headers['webhook-id'])).toEqual([event.id, event.id, event.id]);
      // The killed retry never finished: the failed first attempt and the accepted one are recorded.
      expect(done.attempts.map((a: { response_status: number }) => a.response_status)).toEqual([503, 200]);
    } finally {
      await r.close();
    }
  });

  it('gives a slow receiver its whole timeout, on the first attempt and on a retry, though both outlast the failover timeouts', async () => {
    await stopWorkers();
    await spawnWorker();
    const tenant = await stack.newTenant();
    // 7 s answers: longer than the workflow task timeout and the heartbeat timeout (5 s each).
    const r = await startReceiver((i) => (i === 0 ? { status: 503, delayMs: 7000 } : { status: 200, delayMs: 7000 }));
    try {
      const { deliveryId, event } = await deliverOne(tenant, r.url, { slow: true }, { timeout_seconds: 15 });
      const done = await waitForDeliveryStatus(tenant, deliveryId, 'delivered', 60_000);
      expect(done.attempts.map((a: { response_status: number }) => a.response_status)).toEqual([503, 200]);
      expect(done.attempts.every((a: { duration_ms: number }) => a.duration_ms >= 7000)).toBe(true);
      // Each attempt was sent once: neither was taken for lost and sent again.
      expect(r.requests.map((q) => q.headers['webhook-id'])).toEqual([event.id, event.id]);
    } finally {
      await r.close();
    }
  }, 90_000);
});
