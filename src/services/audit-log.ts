import type { ServiceContext } from './context.js';

/** Reading the audit log. */
export function createAuditLogService(_ctx: ServiceContext) {
  return {};
}
