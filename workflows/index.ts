export { deliverWebhookWorkflowV2 } from './deliver.js';
export { deliverWebhookWorkflow } from './deliver-v1.js';
export { verifyEndpointWorkflow } from './verify-endpoint.js';
export * from './housekeeping.js';
