import { Migration20261123090905_initial } from './Migration20261123090905_initial.js';
import { Migration20261123093610_tenant_partner } from './Migration20261123093610_tenant_partner.js';
import { Migration20261123101112_endpoint_health_rate_limit } from './Migration20261123101112_endpoint_health_rate_limit.js';
import { Migration20261201195821_dispatch_queue } from './Migration20261201195821_dispatch_queue.js';
import { Migration20261201224954_attempt_error_code } from './Migration20261201224954_attempt_error_code.js';
import { Migration20261201232748_idempotency_lease } from './Migration20261201232748_idempotency_lease.js';
import { Migration20261207231810_portal_sessions } from './Migration20261207231810_portal_sessions.js';

/** Every committed migration, in order. Add a new one here after reviewing it. */
export const migrationsList = [
  { name: 'Migration20261123090905_initial', class: Migration20261123090905_initial },
  { name: 'Migration20261123093610_tenant_partner', class: Migration20261123093610_tenant_partner },
  { name: 'Migration20261123101112_endpoint_health_rate_limit', class: Migration20261123101112_endpoint_health_rate_limit },
  { name: 'Migration20261201195821_dispatch_queue', class: Migration20261201195821_dispatch_queue },
  { name: 'Migration20261201224954_attempt_error_code', class: Migration20261201224954_attempt_error_code },
  { name: 'Migration20261201232748_idempotency_lease', class: Migration20261201232748_idempotency_lease },
  { name: 'Migration20261207231810_portal_sessions', class: Migration20261207231810_portal_sessions },
];
