import { ulid } from 'ulid';

/** The workflow id of a delivery: one workflow per delivery. */
export function deliveryWorkflowId(deliveryId: string): string {
  return `delivery-${deliveryId}`;
}

/** The delivery id inside a delivery workflow id, or undefined. */
export function deliveryIdFromWorkflowId(workflowId: string): string | undefined {
  return workflowId.startsWith('delivery-') ? workflowId.slice('delivery-'.length) : undefined;
}

/**
 * A workflow id for one run of an endpoint's verification handshake. Every run gets its own id
 * (a re-run never collides with the one before); the prefix lets operators find an endpoint's runs.
 */
export function verificationWorkflowId(endpointId: string): string {
  return `${verificationWorkflowIdPrefix(endpointId)}${ulid()}`;
}

/** What every verification workflow id of the endpoint starts with. */
export function verificationWorkflowIdPrefix(endpointId: string): string {
  return `verify-${endpointId}-`;
}

/** The housekeeping jobs, each run by a Temporal Schedule. */
export type HousekeepingJob = 'reconcile' | 'auto-disable' | 'retention';

/**
 * The Schedule of a housekeeping job. It names the task queue, so deployments (and test stacks)
 * sharing one Temporal namespace each keep their own.
 */
export function housekeepingScheduleId(job: HousekeepingJob, taskQueue: string): string {
  return `hookline-${job}-${taskQueue}`;
}

/** The workflow id a housekeeping Schedule gives its runs (Temporal appends the scheduled time). */
export function housekeepingWorkflowId(job: HousekeepingJob, taskQueue: string): string {
  return `${housekeepingScheduleId(job, taskQueue)}-run`;
}
