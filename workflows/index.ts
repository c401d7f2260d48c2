export { deliverWebhookWorkflow } from './deliver.js';
export { verifyEndpointWorkflow } from './verify-endpoint.js';
export * from './housekeeping.js';
