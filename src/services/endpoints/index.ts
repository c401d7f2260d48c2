import type { ServiceContext } from '../context.js';
import { createEndpointCrud } from './crud.js';
import { createEndpointDeliveries } from './deliveries.js';
import { createEndpointRecovery } from './recover.js';
import { createSecretRotation } from './rotate-secret.js';
import { createEndpointStats } from './stats.js';
import { createTestEvents } from './test.js';
import { createEndpointVerification } from './verify.js';

/**
 * Every rule of the endpoints resource, one file per route file of `api/routes/endpoints/`:
 * `crud` for `/endpoints` and `/endpoints/{id}`, and `/endpoints/{id}/<action>` in `<action>.ts`.
 */
export function createEndpointService(ctx: ServiceContext) {
  return {
    ...createEndpointCrud(ctx),
    ...createSecretRotation(ctx),
    ...createTestEvents(ctx),
    ...createEndpointVerification(ctx),
    ...createEndpointStats(ctx),
    ...createEndpointDeliveries(ctx),
    ...createEndpointRecovery(ctx),
  };
}
