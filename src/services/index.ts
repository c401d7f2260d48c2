import type { Orm } from '../db/orm.js';
import type { SecretBox } from '../delivery/secrets.js';
import type { DeliveryWorkflows } from '../temporal/client.js';
import type { EventTypeDefinition } from '../catalog/index.js';
import type { Logger } from '../logger.js';
import type { AddressPolicy } from '../delivery/address-policy.js';
import type { ServiceContext } from './context.js';
import { createEndpointService } from './endpoints/index.js';
import { createEventService } from './events.js';
import { createDeliveryService } from './deliveries.js';
import { createAuditLogService } from './audit-log.js';
import { createAuthService } from './auth.js';
import { createIdempotencyService } from './idempotency.js';
import { createPortalSessionService } from './portal-sessions.js';

export interface ServiceDeps {
  orm: Orm;
  secretBox: SecretBox;
  workflows: DeliveryWorkflows;
  catalogue: EventTypeDefinition[];
  logger: Logger;
  addressPolicy: AddressPolicy;
}

export type Services = ReturnType<ReturnType<typeof createServices>>;

/**
 * Builds the services of one unit of work (an API request, an MCP tool call) over a fresh
 * EntityManager fork; never the global one.
 */
export function createServices(deps: ServiceDeps) {
  const catalogue = new Map(deps.catalogue.map((t) => [t.name, t]));
  return () => {
    const ctx: ServiceContext = {
      em: deps.orm.em.fork(),
      secretBox: deps.secretBox,
      workflows: deps.workflows,
      catalogue,
      logger: deps.logger,
      addressPolicy: deps.addressPolicy,
    };
    return {
      ...ctx,
      catalogue: deps.catalogue,
      endpoints: createEndpointService(ctx),
      events: createEventService({ ...ctx, taskQueue: ctx.workflows.taskQueue }),
      deliveries: createDeliveryService(ctx),
      auditLog: createAuditLogService(ctx),
      auth: createAuthService(ctx),
      idempotency: createIdempotencyService(ctx),
      portalSessions: createPortalSessionService(ctx),
    };
  };
}
