/** The workflow id of a delivery: one workflow per delivery. */
export function deliveryWorkflowId(deliveryId: string): string {
  return `delivery-${deliveryId}`;
}

/** The delivery id inside a delivery workflow id, or undefined. */
export function deliveryIdFromWorkflowId(workflowId: string): string | undefined {
  return workflowId.startsWith('delivery-') ? workflowId.slice('delivery-'.length) : undefined;
}
