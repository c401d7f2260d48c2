import type { ServiceContext } from './context.js';

/** Soft delete, secret rotation, test events, stats and history purge of endpoints. */
export function createEndpointLifecycleService(_ctx: ServiceContext) {
  return {};
}
