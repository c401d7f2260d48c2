import type { VerificationResult } from '../../temporal/client.js';
import type { Actor } from '../actor.js';
import { audit } from '../audit.js';
import type { ServiceContext } from '../context.js';
import { findEndpoint } from './crud.js';

/** `POST /endpoints/{id}/verify`: the URL-ownership handshake. */
export function createEndpointVerification({ em, workflows }: ServiceContext) {
  return {
    /**
     * Re-runs the handshake (its own Temporal workflow) and waits for the result, which the
     * workflow has also recorded on the endpoint.
     */
    async verify(actor: Actor, id: string): Promise<VerificationResult> {
      const endpoint = await findEndpoint(em, actor, id);
      const result = await workflows.verify(endpoint.id, { url: endpoint.url, tenantId: endpoint.tenantId });
      audit(em, actor, {
        action: 'endpoint.verification_run',
        resourceType: 'endpoint',
        resourceId: endpoint.id,
        changes: { verified: result.verified, ...(result.reason !== undefined && { reason: result.reason }) },
      });
      await em.flush();
      return result;
    },
  };
}
