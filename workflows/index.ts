export { deliverWebhookWorkflow } from './deliver.js';
