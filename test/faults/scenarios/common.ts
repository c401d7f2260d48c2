/** What every fault scenario is given, and small helpers they share. */
import { randomBytes } from 'node:crypto';
import { sleep, waitUntil } from '../../bench/lifecycle.js';
import { auditFault, EVENT_TYPE, setUpFault, waitUntilSettled, type FaultResult, type FaultSetup } from '../ledger.js';
import { startPublishing, type Publication, type Publishing } from '../publisher.js';
import type { FaultStack } from '../stack.js';

export interface FaultContext {
  stack: FaultStack;
  /** Events to publish during the fault. */
  events: number;
  /** Hookline's own PostgreSQL, when it is a private cluster the suite may stop and start. */
  database?: { stop(): Promise<void>; start(): Promise<void> };
}

/** A fault where clients retry each event with its Idempotency-Key: each must be stored once. */
export interface ExactlyOnceResult extends FaultResult {
  /** Logical events (by sequence number) that no client got a 2xx for. */
  unacknowledged: number[];
  /** Logical events stored more than once, with how many times. */
  storedTwice: { seq: number; times: number }[];
  /** Logical events stored that no 2xx acknowledged. */
  storedUnacknowledged: number[];
}

/** Compares what clients were told with the events stored for the fault's tenant. */
export async function exactlyOnce(stack: FaultStack, setup: FaultSetup, result: FaultResult, publications: Publication[]): Promise<ExactlyOnceResult> {
  const stored = await stack.orm.em
    .fork()
    .execute<{ seq: number; times: number }[]>(`select (data->>'seq')::int as seq, count(*)::int as times from events where tenant_id = ? group by 1`, [setup.tenant.id]);
  const acknowledged = new Set(publications.filter((p) => p.eventId).map((p) => p.seq));
  return {
    ...result,
    unacknowledged: publications.filter((p) => !p.eventId).map((p) => p.seq),
    storedTwice: stored.filter((s) => s.times > 1),
    storedUnacknowledged: stored.filter((s) => !acknowledged.has(s.seq)).map((s) => s.seq),
  };
}

/** The body of event `seq` of a fault: its sequence number tells the logical events apart. */
export const eventBody = (fault: string, seq: number) => ({ type: EVENT_TYPE, data: { fault, seq } });

/** Seconds, one decimal, for the summary line. */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Waits (bounded) until `count` events are accepted, so the fault strikes mid-publish. */
export async function untilAccepted(publishing: Publishing, count: number, what: string): Promise<void> {
  const ok = await waitUntil(() => publishing.accepted() >= count, 120_000, 20);
  if (!ok) throw new Error(`${what}: only ${publishing.accepted()} of the first ${count} events were accepted within 120 s`);
}

/** performance.now() of the first receipt after `t` of any delivery of `eventIds`, or undefined. */
export function firstReceiptAfter(setup: FaultSetup, eventIds: Iterable<string>, t: number): number | undefined {
  let first: number | undefined;
  for (const eventId of eventIds) {
    for (const path of setup.paths.values()) {
      const at = setup.receiver.receipt(eventId, path)?.times.find((time) => time > t);
      if (at !== undefined && (first === undefined || at < first)) first = at;
    }
  }
  return first;
}

/** Event ids of the accepted publications. */
export const acceptedIds = (publications: readonly { eventId: string | undefined }[]) =>
  publications.flatMap((p) => (p.eventId ? [p.eventId] : []));

/** Clients give up on an event after this long without a 2xx. */
const RETRY_FOR_MS = 120_000;
const PUBLISH_SPREAD_MS = 20_000;

/**
 * Publishes `events` through clients that retry each event with its own Idempotency-Key until a
 * 2xx, takes a part of the engine down a third of the way in (`down`), waits `downMs`, brings it
 * back (`up`), and checks that every logical event was stored once and delivered. `outage` names
 * the downtime in the summary line.
 */
export async function retriedThroughOutage(
  { stack, events }: FaultContext,
  fault: string,
  outage: { down(): Promise<void>; up(): Promise<void>; downMs: number; describe(ms: number): string },
): Promise<ExactlyOnceResult> {
  const setup = await setUpFault(stack, fault);
  try {
    const run = randomBytes(3).toString('hex');
    const publishing = startPublishing(setup.tenant.api, {
      count: events,
      concurrency: 6,
      spreadMs: PUBLISH_SPREAD_MS,
      body: (seq) => eventBody(fault, seq),
      headers: (seq) => ({ 'idempotency-key': `${fault}-${run}-${seq}` }),
      retryForMs: RETRY_FOR_MS,
    });
    await untilAccepted(publishing, Math.ceil(events / 3), fault);
    const downAt = performance.now();
    await outage.down();
    await sleep(outage.downMs);
    await outage.up();
    const upAt = performance.now();
    const publications = await publishing.done;
    await waitUntilSettled(stack, setup, acceptedIds(publications));
    const result = await auditFault(stack, setup, fault, publications, publishing.answers);
    const retried = publications.filter((p) => p.tries > 1).length;
    result.notes.push(outage.describe(upAt - downAt), `${retried} events retried`);
    return exactlyOnce(stack, setup, result, publications);
  } finally {
    await setup.receiver.close();
  }
}
