/**
 * Hookline's PostgreSQL stopped (immediate shutdown) mid-publish and started again: the API
 * answers 503 with Retry-After meanwhile, clients retry each event with its Idempotency-Key, the
 * workers' steps fail and are retried by Temporal, and every event is stored once and delivered.
 */
import { randomBytes } from 'node:crypto';
import { sleep } from '../../bench/lifecycle.js';
import { auditFault, setUpFault, waitUntilSettled } from '../ledger.js';
import { startPublishing } from '../publisher.js';
import { acceptedIds, eventBody, exactlyOnce, seconds, untilAccepted, type ExactlyOnceResult, type FaultContext } from './common.js';

const FAULT = 'database-outage';
const PUBLISH_SPREAD_MS = 20_000;
/** Clients give up on an event after this long without a 2xx. */
const RETRY_FOR_MS = 120_000;
const DOWN_MS = 8_000;

export async function databaseOutage({ stack, events, database }: FaultContext): Promise<ExactlyOnceResult> {
  if (!database) throw new Error(`${FAULT} needs Hookline's database on a private cluster`);
  const setup = await setUpFault(stack, FAULT);
  try {
    const run = randomBytes(3).toString('hex');
    const publishing = startPublishing(setup.tenant.api, {
      count: events,
      concurrency: 6,
      spreadMs: PUBLISH_SPREAD_MS,
      body: (seq) => eventBody(FAULT, seq),
      headers: (seq) => ({ 'idempotency-key': `${FAULT}-${run}-${seq}` }),
      retryForMs: RETRY_FOR_MS,
    });
    await untilAccepted(publishing, Math.ceil(events / 3), FAULT);
    const downAt = performance.now();
    await database.stop();
    await sleep(DOWN_MS);
    await database.start();
    const upAt = performance.now();
    const publications = await publishing.done;
    await waitUntilSettled(stack, setup, acceptedIds(publications));
    const result = await auditFault(stack, setup, FAULT, publications, publishing.answers);
    const retried = publications.filter((p) => p.tries > 1).length;
    result.notes.push(`PostgreSQL down ${seconds(upAt - downAt)}`, `${retried} events retried`);
    return exactlyOnce(stack, setup, result, publications);
  } finally {
    await setup.receiver.close();
  }
}
