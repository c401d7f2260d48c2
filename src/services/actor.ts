import type { Environment, Scope } from '../db/entities/index.js';

/** Who is calling: every query is scoped by its tenant and environment. */
export interface Actor {
  tenantId: string;
  environment: Environment;
  scopes: readonly Scope[];
  /** Written to audit entries, e.g. `api_key:key_01J…`. */
  name: string;
  requestId: string | null;
}
