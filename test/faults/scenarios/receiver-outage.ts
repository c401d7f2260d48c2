/**
 * The receiver stops listening for a while (connections refused), then comes back on the same
 * port: the failed attempts are retried on the backoff schedule until they get through.
 */
import { sleep } from '../../bench/lifecycle.js';
import { auditFault, setUpFault, waitUntilSettled, type FaultResult } from '../ledger.js';
import { startPublishing } from '../publisher.js';
import { acceptedIds, eventBody, seconds, untilAccepted, type FaultContext } from './common.js';

const FAULT = 'receiver-outage';
const PUBLISH_SPREAD_MS = 20_000;
/** Shorter than the retry schedule's total wait (1+1+2+2+5+5+10 s, less 20% jitter), so nothing dead-letters. */
const DOWN_MS = 15_000;

export async function receiverOutage({ stack, events }: FaultContext): Promise<FaultResult> {
  const setup = await setUpFault(stack, FAULT);
  try {
    const publishing = startPublishing(setup.tenant.api, { count: events, concurrency: 4, spreadMs: PUBLISH_SPREAD_MS, body: (seq) => eventBody(FAULT, seq) });
    await untilAccepted(publishing, Math.ceil(events / 4), FAULT);
    const downAt = performance.now();
    await setup.receiver.stopListening();
    await sleep(DOWN_MS);
    await setup.receiver.listenAgain();
    const backAt = performance.now();
    const publications = await publishing.done;
    await waitUntilSettled(stack, setup, acceptedIds(publications));
    const settledAt = performance.now();
    const result = await auditFault(stack, setup, FAULT, publications, publishing.answers);
    result.notes.push(`receiver down ${seconds(backAt - downAt)}`, `all delivered ${seconds(settledAt - backAt)} after it was back`);
    return result;
  } finally {
    await setup.receiver.close();
  }
}
