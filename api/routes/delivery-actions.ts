import { Router } from '@koa/router';
import type { AppState } from '../context.js';
import { WEBHOOKS_PREFIX, type RouteTable } from '../route-table.js';

export function deliveryActionRoutes(_table: RouteTable): Router<AppState> {
  return new Router<AppState>({ prefix: WEBHOOKS_PREFIX });
}
