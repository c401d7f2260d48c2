/**
 * The API killed with SIGKILL mid-publish and started again on its port, while clients retry
 * each event with the same body and the same Idempotency-Key until they get a 2xx: every logical
 * event is stored exactly once and delivered.
 */
import { randomBytes } from 'node:crypto';
import { sleep } from '../../bench/lifecycle.js';
import { auditFault, setUpFault, waitUntilSettled } from '../ledger.js';
import { startPublishing } from '../publisher.js';
import { acceptedIds, eventBody, exactlyOnce, seconds, untilAccepted, type ExactlyOnceResult, type FaultContext } from './common.js';

const FAULT = 'api-kill';
const PUBLISH_SPREAD_MS = 20_000;
/** Clients give up on an event after this long without a 2xx. */
const RETRY_FOR_MS = 120_000;
const DOWN_MS = 1_000;

export async function apiKill({ stack, events }: FaultContext): Promise<ExactlyOnceResult> {
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
    const killedAt = performance.now();
    await stack.killApi();
    await sleep(DOWN_MS);
    await stack.startApi();
    const readyAt = performance.now();
    const publications = await publishing.done;
    await waitUntilSettled(stack, setup, acceptedIds(publications));
    const result = await auditFault(stack, setup, FAULT, publications, publishing.answers);

    const retried = publications.filter((p) => p.tries > 1).length;
    result.notes.push(`API down ${seconds(readyAt - killedAt)} (kill → /readyz)`, `${retried} events retried`);
    return exactlyOnce(stack, setup, result, publications);
  } finally {
    await setup.receiver.close();
  }
}
