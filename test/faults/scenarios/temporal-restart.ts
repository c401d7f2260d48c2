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
    // The server serves before the restart returns (namespace checks follow): time the recovery
    // by the events the API accepted while it was dead.
    const whileDown = publications.filter((p) => p.acceptedAt > killedAt && p.acceptedAt < backAt).flatMap((p) => (p.eventId ? [p.eventId] : []));
    const first = firstReceiptAfter(setup, whileDown, killedAt);
    result.notes.push(
      `Temporal down ${seconds(backAt - killedAt)} (kill → restarted and checked; ${acceptedWhileDown} events accepted meanwhile)`,
      `first of those delivered ${first === undefined ? 'n/a' : seconds(first - killedAt)} after the kill`,
    );
    return result;
  } finally {
    await setup.receiver.close();
  }
}
