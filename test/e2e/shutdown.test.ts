import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { startReceiver, waitFor, type Receiver } from '../helpers/receiver.js';
import { createEndpoint, deliverOne, getDelivery } from '../helpers/api.js';
import { spawnEntryPoint as spawnProcess, type EntryPoint } from '../helpers/entry-point.js';

let stack: Stack;
const receivers: Receiver[] = [];
const children: ChildProcess[] = [];

type Child = EntryPoint;

/** Starts an entry point (`src/main/<name>.ts`) as its own OS process against this stack. */
function spawnEntryPoint(name: 'worker' | 'api', env: Record<string, string> = {}): Child {
  const child = spawnProcess(name, { ...stack.workerEnv, ...env });
  children.push(child.process);
  return child;
}

/** The JSON log line of `child` with this message. */
function logLine(child: Child, msg: string): Record<string, unknown> | undefined {
  for (const line of child.output().split('\n')) {
    if (!line.startsWith('{')) continue;
    const parsed = JSON.parse(line) as Record<string, unknown>;
    if (parsed.msg === msg) return parsed;
  }
  return undefined;
}

async function startWorkerProcess(): Promise<Child> {
  const worker = spawnEntryPoint('worker');
  await waitFor(() => logLine(worker, 'worker running'), 60_000, `worker start (output: ${worker.output().slice(-500)})`);
  return worker;
}

/** True when a TCP connection to `port` on loopback is refused. */
function refusesConnections(port: number): Promise<boolean> {
  return new Promise((res) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      res(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => res(err.code === 'ECONNREFUSED'));
  });
}

beforeAll(async () => {
  stack = await startStack({ worker: false, retrySchedule: [1, 1, 1] });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(receivers.map((r) => r.close()));
  await stack?.stop();
});

describe('graceful shutdown on SIGTERM', () => {
  it('a worker lets the attempt in flight finish and be recorded, then exits 0', async () => {
    const tenant = await stack.newTenant();
    const receiver = await startReceiver(() => ({ status: 200, delayMs: 3000 }));
    receivers.push(receiver);
    const worker = await startWorkerProcess();
    const { deliveryId } = await deliverOne(tenant, receiver.url, { shutdown: true }, { timeout_seconds: 30 });
    await waitFor(() => receiver.requests.length === 1, 30_000, 'the attempt to reach the receiver');

    const signalled = Date.now();
    worker.process.kill('SIGTERM');
    const exit = await worker.exited;
    expect(exit, worker.output().slice(-2000)).toMatchObject({ code: 0, signal: null });
    // It waited for the receiver's answer (about 3 s after the request), well within the grace period.
    expect(exit.at).toBeGreaterThanOrEqual(receiver.requests[0]!.receivedAt + 2900);
    expect(exit.at - signalled).toBeLessThan(30_000);
    expect(logLine(worker, 'shutting down')).toMatchObject({ signal: 'SIGTERM' });

    // Recorded before the process ended: no other worker has run since.
    const delivery = await getDelivery(tenant, deliveryId);
    expect(delivery.status).toBe('delivered');
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0].response_status).toBe(200);
    expect(receiver.requests).toHaveLength(1);
  });

  it('the API finishes the request in flight and refuses new connections, then exits 0', async () => {
    const tenant = await stack.newTenant();
    // The receiver answers the verification challenge after 2.5 s, so POST /verify is naturally slow.
    const receiver = await startReceiver(undefined, {
      verification: (_req, challenge) => ({
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ challenge }),
        delayMs: 2500,
      }),
    });
    receivers.push(receiver);
    const worker = await startWorkerProcess();
    const endpoint = await createEndpoint(tenant, { url: receiver.url });
    // The handshake started by the create is done before the one under test begins.
    await waitFor(async () => (await tenant.api('GET', `/endpoints/${endpoint.id}`)).body.verification.status === 'verified', 30_000, 'the first handshake');

    const api = spawnEntryPoint('api', { PORT: '0' });
    const listening = await waitFor(() => logLine(api, 'API listening'), 60_000, `API start (output: ${api.output().slice(-500)})`);
    const url = listening.url as string;
    const port = Number(new URL(url).port);
    expect(port).toBeGreaterThan(0);

    const slow = fetch(`${url}/manage/v1/webhooks/endpoints/${endpoint.id}/verify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}` },
    }).then(async (res) => ({ status: res.status, body: (await res.json()) as unknown, at: Date.now() }));
    slow.catch(() => undefined); // awaited below; a test that fails before then leaves no unhandled rejection
    await waitFor(() => receiver.challenges.length === 2, 30_000, 'the handshake to reach the receiver');

    const signalled = Date.now();
    api.process.kill('SIGTERM');
    await waitFor(() => logLine(api, 'shutting down'), 10_000, 'the API to start shutting down');
    expect(await refusesConnections(port)).toBe(true);

    const response = await slow;
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ verified: true });
    expect(response.at).toBeGreaterThan(signalled);
    const exit = await api.exited;
    expect(exit, api.output().slice(-2000)).toMatchObject({ code: 0, signal: null });

    worker.process.kill('SIGTERM');
    expect(await worker.exited).toMatchObject({ code: 0 });
  });
});
