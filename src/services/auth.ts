import type { EntityManager } from '@mikro-orm/postgresql';
import { Tenant } from '../db/entities/index.js';
import type { Actor } from './actor.js';
import { authenticateApiKey } from './api-keys.js';
import { unauthorized } from './errors.js';
import type { JwtIdentity } from './jwt.js';

/** Who stands behind a bearer token, for the REST API's auth middleware and the MCP server. */
export function createAuthService({ em }: { em: EntityManager }) {
  return {
    /**
     * The caller behind an API key; a 401 if the key is unknown or revoked. `via` prefixes the
     * audit name (`mcp:api_key:key_…` for the MCP server).
     */
    async apiKeyActor(token: string, requestId: string | null, via?: string): Promise<Actor> {
      const key = await authenticateApiKey(em, token);
      if (!key) throw unauthorized('invalid or revoked API key');
      return {
        tenantId: key.tenantId,
        environment: key.environment,
        scopes: key.scopes,
        name: `${via ? `${via}:` : ''}api_key:${key.id}`,
        requestId,
      };
    },

    /** The caller behind a verified admin JWT: its tenant must exist and belong to its partner, if it names one. */
    async jwtActor(identity: JwtIdentity, requestId: string): Promise<Actor> {
      const tenant = await em.findOne(Tenant, { id: identity.tenantId });
      if (!tenant) throw unauthorized('token names an unknown tenant');
      if (identity.partnerId !== undefined && tenant.partnerId !== identity.partnerId) {
        throw unauthorized("token's tenant does not belong to its partner");
      }
      return {
        tenantId: tenant.id,
        environment: identity.environment,
        scopes: identity.scopes,
        name: identity.subject ? `jwt:${identity.subject}` : 'jwt',
        requestId,
      };
    },

    /** The tenants an admin's `tenant_id` / `partner_id` filter reads: one tenant, a partner's, or both filters' intersection. */
    async tenantsToRead(filter: { tenantId?: string | undefined; partnerId?: string | undefined }): Promise<string[]> {
      if (filter.partnerId === undefined) return [filter.tenantId!];
      const where = { partnerId: filter.partnerId, ...(filter.tenantId !== undefined && { id: filter.tenantId }) };
      const tenants = await em.find(Tenant, where, { fields: ['id'] });
      return tenants.map((t) => t.id);
    },
  };
}
