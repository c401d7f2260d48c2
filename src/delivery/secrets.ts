import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/** The columns that hold sealed values. */
export type SealedColumn = 'endpoints.secret' | 'endpoints.previous_secret' | 'idempotency.response';

/**
 * Where a sealed value lives: a column and the id of its row. It is the associated data of the
 * ciphertext, so a value copied to another row or column fails to decrypt instead of signing
 * with a secret that belongs elsewhere.
 */
export interface SealContext {
  readonly column: SealedColumn;
  readonly rowId: string;
}

/** The contexts of the sealed columns, built in one place so every caller names them alike. */
export const sealedIn = {
  endpointSecret: (endpointId: string): SealContext => ({ column: 'endpoints.secret', rowId: endpointId }),
  previousEndpointSecret: (endpointId: string): SealContext => ({ column: 'endpoints.previous_secret', rowId: endpointId }),
  idempotencyResponse: (recordId: string): SealContext => ({ column: 'idempotency.response', rowId: recordId }),
};

/** A sealed value that cannot be opened. The message names the key id and the row, never key material or plaintext. */
export class SealedValueError extends Error {
  override readonly name = 'SealedValueError';
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

const locationOf = (context: SealContext) => `${context.column}:${context.rowId}`;

/**
 * AES-256-GCM envelope for secrets at rest, over a key ring. The first key of the ring is the
 * newest and encrypts; every key decrypts, found by the key id stored in the ciphertext, so the
 * master key can rotate (add a key in front, re-encrypt, then drop the old one).
 *
 * Format: `v2.<key id>.<base64 iv>.<base64 tag>.<base64 ciphertext>`, with `<column>:<row id>`
 * as associated data. `v1` (the same shape, without associated data) is still read, so databases
 * written before v2 keep working until `secrets reencrypt` rewrites them.
 */
export class SecretBox {
  private readonly keys: Map<string, Buffer>;
  private readonly current: EncryptionKey;

  constructor(ring: EncryptionKey[]) {
    const first = ring[0];
    if (!first) throw new Error('SecretBox needs at least one key');
    this.keys = new Map(ring.map((k) => [k.id, k.key]));
    if (this.keys.size !== ring.length) throw new Error('SecretBox key ids must be unique');
    this.current = first;
  }

  /** The id of the key that encrypts. */
  get currentKeyId(): string {
    return this.current.id;
  }

  /** Seals `plaintext` for the row and column of `context`, under the newest key. */
  encrypt(plaintext: string, context: SealContext): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return ['v2', this.current.id, iv.toString('base64'), tag.toString('base64'), body.toString('base64')].join('.');
  }

  /**
   * Opens a value sealed for `context`. Throws a SealedValueError when its key is not in the ring,
   * when it was sealed for another row or column, or when it was altered.
   */
  decrypt(sealed: string, context: SealContext): string {
    const parts = sealed.split('.');
    const [version, keyId, iv, tag, body] = parts;
    const ivBytes = Buffer.from(iv ?? '', 'base64');
    const tagBytes = Buffer.from(tag ?? '', 'base64');
    if (
      parts.length !== 5 ||
      (version !== 'v1' && version !== 'v2') ||
      !keyId ||
      ivBytes.length !== IV_BYTES ||
      tagBytes.length !== TAG_BYTES ||
      body === undefined
    ) {
      throw new SealedValueError(`malformed sealed value in ${locationOf(context)}`);
    }
    const key = this.keys.get(keyId);
    if (!key) {
      throw new SealedValueError(`no encryption key with id "${keyId}" in HOOKLINE_ENCRYPTION_KEYS (needed by ${locationOf(context)})`);
    }
    const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
    // v1 values were sealed without associated data; they decrypt anywhere until re-encrypted.
    if (version === 'v2') decipher.setAAD(associatedData(context));
    decipher.setAuthTag(tagBytes);
    try {
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new SealedValueError(
        `the sealed value in ${locationOf(context)} does not open with key "${keyId}": it belongs to another row or column, was altered, or was sealed with another key of that id`,
      );
    }
  }

  /** True when `sealed` is in the current format under the newest key, so re-encrypting it changes nothing. */
  isCurrent(sealed: string): boolean {
    const [version, keyId] = sealed.split('.');
    return version === 'v2' && keyId === this.current.id;
  }

  /** Opens a value sealed for `from` and seals it again, under the newest key, for `to`. */
  reseal(sealed: string, from: SealContext, to: SealContext = from): string {
    return this.encrypt(this.decrypt(sealed, from), to);
  }
}

function associatedData(context: SealContext): Buffer {
  if (!context.rowId) throw new Error(`a sealed ${context.column} needs the id of its row`);
  return Buffer.from(locationOf(context), 'utf8');
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
