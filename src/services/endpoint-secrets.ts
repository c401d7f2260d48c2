import type { Endpoint } from '../db/entities/index.js';
import { sealedIn, type SecretBox } from '../delivery/secrets.js';

/**
 * The secrets that sign a delivery now: the current one, plus the previous one during its grace
 * period. A sealed value that does not open for this endpoint throws (SealedValueError), so a
 * delivery is never signed with a secret that belongs to another endpoint.
 */
export function endpointSigningSecrets(
  endpoint: Pick<Endpoint, 'id' | 'secretSealed' | 'previousSecretSealed' | 'previousSecretExpiresAt'>,
  box: SecretBox,
  now: Date,
): string[] {
  const secrets = [box.decrypt(endpoint.secretSealed, sealedIn.endpointSecret(endpoint.id))];
  if (endpoint.previousSecretSealed && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
    secrets.push(box.decrypt(endpoint.previousSecretSealed, sealedIn.previousEndpointSecret(endpoint.id)));
  }
  return secrets;
}
