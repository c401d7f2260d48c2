/**
 * Temporal killed with SIGKILL mid-publish and started again on its data. The API keeps
 * accepting (deliveries wait in the dispatch queue) and everything is delivered once it is back.
 */
import { sleep } from '../../bench/lifecycle.js';
import { auditFault, setUpFault, waitUntilSettled, type FaultResult } from '../ledger.js';
import { startPublishing } from '../publisher.js';
import { acceptedIds, eventBody, firstReceiptAfter, seconds, untilAccepted, type FaultContext } from './common.js';

const FAULT = 'temporal-restart';
const PUBLISH_SPREAD_MS = 20_000;
/** How long the server stays dead before it is started again. */
const DOWN_MS = 5_000;

export async function temporalRestart({ stack, events }: FaultContext): Promise<FaultResult> {
  const setup = await setUpFault(stack, FAULT);
  try {
    const publishing = startPublishing(setup.tenant.api, { count: events, concurrency: 4, spreadMs: PUBLISH_SPREAD_MS, body: (seq) => eventBody(FAULT, seq) });
    await untilAccepted(publishing, Math.ceil(events / 3), FAULT);
    const killedAt = performance.now();
    await stack.killTemporal();
    const acceptedAtKill = publishing.accepted();
    await sleep(DOWN_MS);
    await stack.startTemporal();
    const backAt = performance.now();
    const acceptedWhileDown = publishing.accepted() - acceptedAtKill;
    const publications = await publishing.done;
    const ids = acceptedIds(publications);
    await waitUntilSettled(stack, setup, ids);
    const result = await auditFault(stack, setup, FAULT, publications, publishing.answers);
    const first = firstReceiptAfter(setup, ids, backAt);
    result.notes.push(
      `Temporal down ${seconds(backAt - killedAt)} (${acceptedWhileDown} events accepted meanwhile)`,
      `first delivery ${first === undefined ? 'n/a' : seconds(first - backAt)} after it was back`,
    );
    return result;
  } finally {
    await setup.receiver.close();
  }
}
