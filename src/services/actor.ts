import type { Environment, Scope } from '../db/entities/index.js';

/** Who is calling: every query is scoped by its tenant and environment. */
export interface Actor {
  tenantId: string;
  environment: Environment;
  scopes: readonly Scope[];
  /** Written to audit entries, e.g. `api_key:key_01J…`. */
  name: string;
  requestId: string | null;
  /**
   * Tenants an `admin` caller reads across (its `tenant_id` / `partner_id` filter). Reads use it;
   * writes always go to `tenantId`.
   */
  readTenantIds?: string[] | undefined;
  /**
   * The event types a portal session offers (its `event_types`): what the actor may subscribe
   * endpoints to and sees in the catalogue. Unset for API keys and JWTs: the whole catalogue.
   */
  allowedEventTypes?: readonly string[] | undefined;
}

/** The tenant and environment condition of every read. */
export function readScope(actor: Actor): { tenantId: string | { $in: string[] }; environment: Environment } {
  return {
    tenantId: actor.readTenantIds ? { $in: actor.readTenantIds } : actor.tenantId,
    environment: actor.environment,
  };
}

/** The tenant and environment condition of every write: the actor's own, never an admin's read scope. */
export function writeScope(actor: Actor): { tenantId: string; environment: Environment } {
  return { tenantId: actor.tenantId, environment: actor.environment };
}
