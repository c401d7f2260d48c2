import { Router } from '@koa/router';
import type { AppState } from '../context.js';
import type { RouteTable } from '../route-table.js';

export function auditLogRoutes(_table: RouteTable): Router<AppState> {
  return new Router<AppState>();
}
