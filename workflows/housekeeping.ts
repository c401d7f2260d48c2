import { proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities/index.js';
import type { AutoDisableResult, PurgeResult, ReconcileResult } from '../activities/housekeeping.js';

type Activities = ReturnType<typeof activities.createActivities>;

// Each run is one activity that pages through the database and heartbeats as it goes; a run
// that fails is simply taken again by the next tick of its Schedule.
const { reconcileDeliveries, disableFailingEndpoints, purgeExpiredData } = proxyActivities<Activities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', backoffCoefficient: 2, maximumAttempts: 3 },
});

/** Starts the missing workflow of any pending delivery (run by the reconcile Schedule). */
export async function reconcileDeliveriesWorkflow(): Promise<ReconcileResult> {
  return reconcileDeliveries();
}

/** Disables endpoints that have failed for too long (run by the auto-disable Schedule). */
export async function disableFailingEndpointsWorkflow(): Promise<AutoDisableResult> {
  return disableFailingEndpoints();
}

/** Deletes finished deliveries past retention and what only they used (run by the retention Schedule). */
export async function purgeExpiredDataWorkflow(): Promise<PurgeResult> {
  return purgeExpiredData();
}
