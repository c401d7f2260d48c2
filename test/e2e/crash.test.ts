import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { startReceiver, waitFor, type Receiver } from '../helpers/receiver.js';
import { deliverOne, waitForDeliveryStatus } from '../helpers/api.js';

let stack: Stack;
let receiver: Receiver | undefined;
const children: ChildProcess[] = [];
const root = resolve(import.meta.dirname, '../..');

/** Starts `npm run worker`'s entry point as its own OS process and waits until it polls. */
async function spawnWorker(): Promise<ChildProcess> {
  // node itself (not the tsx wrapper), so SIGKILL hits the process that runs the activity.
  const child = spawn(process.execPath, ['--import', './scripts/node-compat.mjs', '--import', 'tsx', 'src/main/worker.ts'], {
    cwd: root,
    env: { ...process.env, ...stack.workerEnv, LOG_LEVEL: 'info', NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await waitFor(() => output.includes('worker running'), 60_000, `worker start (output so far: ${output.slice(-500)})`);
  return child;
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

    first.kill('SIGKILL');
    await new Promise<void>((res) => first.once('exit', () => res()));
    expect(first.signalCode).toBe('SIGKILL');

    await spawnWorker();
    const done = await waitForDeliveryStatus(tenant, deliveryId, 'delivered', 60_000);
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([event.id, event.id]);
    expect(done.attempts.at(-1).response_status).toBe(200);
    // The killed attempt never finished, so only the successful one was recorded.
    expect(done.attempts).toHaveLength(1);
  });
});
