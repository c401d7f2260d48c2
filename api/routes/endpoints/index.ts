import { Router } from '@koa/router';
import type { AppState } from '../../context.js';
import { WEBHOOKS_BASE, WEBHOOKS_PREFIX, type RouteTable } from '../../route-table.js';
import { endpointCrudRoutes } from './crud.js';
import { endpointDeliveryRoutes } from './deliveries.js';
import { recoverRoutes } from './recover.js';
import { rotateSecretRoutes } from './rotate-secret.js';
import { statsRoutes } from './stats.js';
import { testEventRoutes } from './test.js';
import { verifyRoutes } from './verify.js';

/**
 * Every route of `/endpoints`: `crud.ts` serves `/endpoints` and `/endpoints/{id}`, and each
 * `/endpoints/{id}/<action>` is served by `<action>.ts` (its rules: `src/services/endpoints/<action>.ts`).
 */
export function endpointRoutes(table: RouteTable): Router<AppState> {
  const router = new Router<AppState>({ prefix: WEBHOOKS_PREFIX });
  const route = table.on(router, WEBHOOKS_BASE);
  for (const routes of [endpointCrudRoutes, rotateSecretRoutes, testEventRoutes, verifyRoutes, statsRoutes, endpointDeliveryRoutes, recoverRoutes]) {
    routes(route);
  }
  return router;
}
