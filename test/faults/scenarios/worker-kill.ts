/**
 * Workers killed with SIGKILL one after the other while events are published, each started again
 * before the next kill, so one worker always survives. The receiver answers late, so the killed
 * worker has requests in flight; the failover time is how long until one of those abandoned
 * deliveries was received again (sent by the surviving worker).
 */
import { sleep, waitUntil } from '../../bench/lifecycle.js';
import { auditFault, setUpFault, waitUntilSettled, type FaultResult } from '../ledger.js';
import { startPublishing } from '../publisher.js';
import { acceptedIds, eventBody, seconds, untilAccepted, type FaultContext } from './common.js';
import type { FaultSetup } from '../ledger.js';

const FAULT = 'worker-kill';
const KILLS = 3;
const PUBLISH_SPREAD_MS = 36_000;
/** Long enough that each worker has a few requests open at any moment. */
const RECEIVER_DELAY_MS = 800;
/** Abandoned requests closed this soon after a kill are the killed worker's. */
const ABANDON_WINDOW_MS = 1_000;
const FAILOVER_BOUND_MS = 30_000;

/** How long after `killedAt` a request the killed worker abandoned was received again, if any was. */
function failoverAfter(setup: FaultSetup, killedAt: number): number | undefined {
  let first: number | undefined;
  for (const a of setup.receiver.abandoned()) {
    if (a.at < killedAt || a.at > killedAt + ABANDON_WINDOW_MS) continue;
    const again = setup.receiver.receipt(a.webhookId, a.path)?.times.find((t) => t > killedAt);
    if (again !== undefined && (first === undefined || again < first)) first = again;
  }
  return first === undefined ? undefined : first - killedAt;
}

const abandonedSince = (setup: FaultSetup, killedAt: number) =>
  setup.receiver.abandoned().filter((a) => a.at >= killedAt && a.at <= killedAt + ABANDON_WINDOW_MS).length;

export async function workerKill({ stack, events }: FaultContext): Promise<FaultResult> {
  const setup = await setUpFault(stack, FAULT, { delayMs: RECEIVER_DELAY_MS });
  try {
    const publishing = startPublishing(setup.tenant.api, { count: events, concurrency: 4, spreadMs: PUBLISH_SPREAD_MS, body: (seq) => eventBody(FAULT, seq) });
    const failovers: (number | undefined)[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      await untilAccepted(publishing, Math.ceil(((kill + 1) * events) / (KILLS + 2)), FAULT);
      const index = kill % stack.workers().length;
      const killedAt = performance.now();
      await stack.killWorker(index);
      // Bounded: a kill with nothing in flight has no failover to wait for.
      await waitUntil(() => failoverAfter(setup, killedAt) !== undefined || (performance.now() > killedAt + 2_000 && abandonedSince(setup, killedAt) === 0), FAILOVER_BOUND_MS, 50);
      failovers.push(failoverAfter(setup, killedAt));
      await stack.startWorker(index);
      await sleep(500);
    }
    const publications = await publishing.done;
    await waitUntilSettled(stack, setup, acceptedIds(publications));
    const result = await auditFault(stack, setup, FAULT, publications, publishing.answers);
    const measured = failovers.filter((f): f is number => f !== undefined);
    result.notes.push(
      `failover ${measured.length ? seconds(Math.max(...measured)) : 'n/a'} (per kill ${failovers.map((f) => (f === undefined ? 'n/a' : seconds(f))).join(' / ')})`,
      `${KILLS} kills`,
    );
    return result;
  } finally {
    await setup.receiver.close();
  }
}
