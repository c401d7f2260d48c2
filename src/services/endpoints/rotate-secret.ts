import type { Endpoint } from '../../db/entities/index.js';
import { generateSigningSecret, sealedIn } from '../../delivery/secrets.js';
import type { Actor } from '../actor.js';
import { audit } from '../audit.js';
import type { ServiceContext } from '../context.js';
import type { StoreAnswer } from '../idempotency.js';
import { DEFAULT_GRACE_PERIOD_SECONDS, type EndpointRotateSecret } from '../../schemas/endpoints.js';
import { findEndpoint } from './crud.js';

export interface SecretRotation {
  endpoint: Endpoint;
  /** The new secret in plaintext: returned once, stored only sealed. */
  secret: string;
  previousSecretExpiresAt: Date | null;
}

/** `POST /endpoints/{id}/rotate-secret`. */
export function createSecretRotation({ em, secretBox }: ServiceContext) {
  return {
    /**
     * A new signing secret. The current one becomes the previous secret, which signs beside the
     * new one until the grace period ends (none for 0). The row is locked so concurrent rotations
     * chain instead of losing a secret that was already handed out.
     */
    async rotateSecret(
      actor: Actor,
      id: string,
      input: EndpointRotateSecret,
      storeAnswer?: StoreAnswer<SecretRotation>,
    ): Promise<SecretRotation> {
      const grace = input.grace_period_seconds ?? DEFAULT_GRACE_PERIOD_SECONDS;
      return em.transactional(async (tx) => {
        const endpoint = await findEndpoint(tx, actor, id, { lock: true, forWrite: true });
        const secret = generateSigningSecret();
        const previousSecretExpiresAt = grace > 0 ? new Date(Date.now() + grace * 1000) : null;
        // The current secret moves to another column, and a sealed value is bound to its column.
        endpoint.previousSecretSealed = previousSecretExpiresAt
          ? secretBox.reseal(endpoint.secretSealed, sealedIn.endpointSecret(endpoint.id), sealedIn.previousEndpointSecret(endpoint.id))
          : null;
        endpoint.previousSecretExpiresAt = previousSecretExpiresAt;
        endpoint.secretSealed = secretBox.encrypt(secret, sealedIn.endpointSecret(endpoint.id));
        audit(tx, actor, {
          action: 'endpoint.secret_rotated',
          resourceType: 'endpoint',
          resourceId: endpoint.id,
          changes: { grace_period_seconds: grace },
        });
        const rotation = { endpoint, secret, previousSecretExpiresAt };
        await tx.flush();
        await storeAnswer?.(tx, rotation);
        return rotation;
      });
    },

  };
}
