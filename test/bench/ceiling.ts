/**
 * The raw ceiling: the same receiver and the same Standard Webhooks signing, POSTed by the engine's
 * own HttpSender with no engine in between, closed loop. No delivery rate of Hookline can beat it
 * on this machine; it says how much of the machine the receiver and the sending itself take.
 */
import { randomBytes } from 'node:crypto';
import { HttpSender } from '../../src/delivery/http-sender.js';
import { AddressPolicy } from '../../src/delivery/address-policy.js';
import { webhookHeaders } from '../../src/delivery/signing.js';
import type { Receiver } from './receiver.js';
import { summarize, type LatencySummary } from './stats.js';

export interface CeilingResult {
  concurrency: number;
  durationMs: number;
  requests: number;
  perSecond: number;
  failures: number;
  /** Send → response, per request. */
  latency: LatencySummary;
}

const PATH = '/ceiling';

export async function measureCeiling(receiver: Receiver, options: { durationMs: number; concurrency: number }): Promise<CeilingResult> {
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  receiver.addPath(PATH, secret);
  const sender = new HttpSender(new AddressPolicy({ allowPrivate: true }));
  const latencies: number[] = [];
  let failures = 0;
  let seq = 0;
  try {
    const started = performance.now();
    const until = started + options.durationMs;
    const lane = async () => {
      while (performance.now() < until) {
        const id = `msg_ceiling_${seq++}`;
        const body = JSON.stringify({ type: 'order.created', timestamp: new Date().toISOString(), data: { bench: 'ceiling', seq } });
        const headers = {
          'content-type': 'application/json',
          'user-agent': 'Hookline-Webhooks/1.0',
          ...webhookHeaders([secret], id, Math.floor(Date.now() / 1000), body),
        };
        const t = performance.now();
        const res = await sender.send({ url: `${receiver.base}${PATH}`, headers, body, timeoutMs: 10_000 });
        latencies.push(performance.now() - t);
        if (res.status !== 200) failures++;
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, lane));
    const elapsed = performance.now() - started;
    return {
      concurrency: options.concurrency,
      durationMs: elapsed,
      requests: latencies.length,
      perSecond: latencies.length / (elapsed / 1000),
      failures,
      latency: summarize(latencies),
    };
  } finally {
    await sender.close();
  }
}
