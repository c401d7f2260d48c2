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
