import type { Endpoint } from '../db/entities/index.js';
import type { SecretBox } from '../delivery/secrets.js';

/** The secrets that sign a delivery now: the current one, plus the previous one during its grace period. */
export function endpointSigningSecrets(
  endpoint: Pick<Endpoint, 'secretSealed' | 'previousSecretSealed' | 'previousSecretExpiresAt'>,
  box: SecretBox,
  now: Date,
): string[] {
  const secrets = [box.decrypt(endpoint.secretSealed)];
  if (endpoint.previousSecretSealed && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
    secrets.push(box.decrypt(endpoint.previousSecretSealed));
  }
  return secrets;
}
