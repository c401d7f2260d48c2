import type { Orm } from '../db/orm.js';
import type { SecretBox } from '../delivery/secrets.js';
import type { DeliveryWorkflows } from '../temporal/client.js';
import type { EventTypeDefinition } from '../catalog/index.js';
import type { Logger } from '../logger.js';
import { createEndpointService } from './endpoints.js';
import { createEventService } from './events.js';
import { createDeliveryService } from './deliveries.js';

export interface ServiceDeps {
  orm: Orm;
  secretBox: SecretBox;
  workflows: DeliveryWorkflows;
  catalogue: EventTypeDefinition[];
  logger: Logger;
}

export type Services = ReturnType<ReturnType<typeof createServices>>;

/**
 * Builds the services of one unit of work (an API request, an MCP tool call) over a fresh
 * EntityManager fork; never the global one.
 */
export function createServices(deps: ServiceDeps) {
  const catalogue = new Map(deps.catalogue.map((t) => [t.name, t]));
  return () => {
    const em = deps.orm.em.fork();
    return {
      em,
      endpoints: createEndpointService({ em, secretBox: deps.secretBox, workflows: deps.workflows }),
      events: createEventService({ em, workflows: deps.workflows, catalogue, logger: deps.logger }),
      deliveries: createDeliveryService({ em }),
      catalogue: deps.catalogue,
      workflows: deps.workflows,
    };
  };
}
