import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/**
 * AES-256-GCM envelope for secrets at rest. The first key of the ring encrypts; any key
 * decrypts, found by the key id stored in the ciphertext, so the master key can rotate.
 * Format: `v1.<key id>.<base64 iv>.<base64 tag>.<base64 ciphertext>`.
 */
export class SecretBox {
  private readonly keys: Map<string, Buffer>;
  private readonly current: EncryptionKey;

  constructor(ring: EncryptionKey[]) {
    const first = ring[0];
    if (!first) throw new Error('SecretBox needs at least one key');
    this.current = first;
    this.keys = new Map(ring.map((k) => [k.id, k.key]));
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return ['v1', this.current.id, iv.toString('base64'), tag.toString('base64'), body.toString('base64')].join('.');
  }

  decrypt(sealed: string): string {
    const [version, keyId, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !keyId || !iv || !tag || body === undefined) throw new Error('malformed sealed secret');
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`no encryption key with id "${keyId}" in HOOKLINE_ENCRYPTION_KEYS`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  }
}

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** True for `whsec_` + base64 of 24–64 bytes (the accepted range of caller-supplied secrets). */
export function isValidSigningSecret(secret: string): boolean {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  if (!match?.[1]) return false;
  const bytes = Buffer.from(match[1], 'base64');
  return bytes.length >= 24 && bytes.length <= 64 && bytes.toString('base64') === match[1];
}
