import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError, type Config } from '../config.js';
import { SecretBox } from '../delivery/secrets.js';

/**
 * The encryption key ring: `HOOKLINE_ENCRYPTION_KEYS` (its first key encrypts), or, for the
 * embedded development stack only, a key generated once into the data directory under the id
 * `dev`. Kept apart from runtime.ts so the cli can seal and open values without the Temporal SDK.
 */
export function secretBoxFor(config: Config, allowGeneratedKey: boolean): SecretBox {
  if (config.encryptionKeys) return new SecretBox(config.encryptionKeys);
  if (!allowGeneratedKey) {
    throw new ConfigError('Invalid configuration:\n  HOOKLINE_ENCRYPTION_KEYS: required (e.g. "k1:<base64 of 32 bytes>")');
  }
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, 'encryption-key');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  return new SecretBox([{ id: 'dev', key: Buffer.from(readFileSync(file, 'utf8').trim(), 'base64') }]);
}
