import { describe, it, expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import { SealedValueError, SecretBox, generateSigningSecret, isValidSigningSecret, sealedIn } from '../../src/delivery/secrets.js';

const key = (id: string) => ({ id, key: randomBytes(32) });
const whsec = (bytes: number) => `whsec_${randomBytes(bytes).toString('base64')}`;

const here = sealedIn.endpointSecret('ep_01HZX0000000000000000000AA');
const elsewhere = sealedIn.endpointSecret('ep_01HZX0000000000000000000BB');

/** Flips one bit of the base64 part `index` of a sealed value. */
function tamper(sealed: string, index: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[index]!, 'base64');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[index] = bytes.toString('base64');
  return parts.join('.');
}

// Sealed by the v1 format (no associated data) under this key, before v2 existed.
const legacyKey = { id: 'legacy', key: Buffer.from('hookline-v1-fixture-key-32-bytes', 'utf8') };
const legacySealed = 'v1.legacy.TyxfNa9ptEdcU+wu.7EUILhgh1EK/Hby5uEuK/A==.WVV3ENQK7AJ6hBAdW4KY09NfsUblRu6ui3lo+nz0KPetygvKf+Y=';
const legacyPlaintext = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('SecretBox', () => {
  it('round-trips a secret in the v2 format under the first key of the ring', () => {
    const box = new SecretBox([key('k1'), key('k0')]);
    const plaintext = whsec(32);
    const sealed = box.encrypt(plaintext, here);
    expect(sealed).not.toContain(plaintext);
    expect(sealed.startsWith('v2.k1.')).toBe(true);
    expect(box.decrypt(sealed, here)).toBe(plaintext);
  });

  it('round-trips empty and non-ASCII plaintext', () => {
    const box = new SecretBox([key('k1')]);
    expect(box.decrypt(box.encrypt('', here), here)).toBe('');
    expect(box.decrypt(box.encrypt('sécret ✓ 秘密', here), here)).toBe('sécret ✓ 秘密');
  });

  it('uses a fresh IV for every encryption', () => {
    const box = new SecretBox([key('k1')]);
    expect(box.encrypt('same', here)).not.toBe(box.encrypt('same', here));
  });

  it('refuses a value sealed for another row', () => {
    const box = new SecretBox([key('k1')]);
    const sealed = box.encrypt('mine', here);
    expect(() => box.decrypt(sealed, elsewhere)).toThrow(SealedValueError);
    expect(() => box.decrypt(sealed, elsewhere)).toThrow(/endpoints\.secret:ep_01HZX0000000000000000000BB.*another row/);
  });

  it('refuses a value sealed for another column of the same row', () => {
    const box = new SecretBox([key('k1')]);
    const sealed = box.encrypt('current', sealedIn.endpointSecret('ep_1'));
    expect(() => box.decrypt(sealed, sealedIn.previousEndpointSecret('ep_1'))).toThrow(SealedValueError);
    expect(() => box.decrypt(sealed, sealedIn.idempotencyResponse('ep_1'))).toThrow(SealedValueError);
  });

  it('refuses a v2 value relabelled as v1 to skip its associated data', () => {
    const box = new SecretBox([key('k1')]);
    const sealed = box.encrypt('bound', here);
    expect(() => box.decrypt(sealed.replace(/^v2\./, 'v1.'), elsewhere)).toThrow(SealedValueError);
  });

  it('decrypts v1 values sealed before associated data, in any context', () => {
    const box = new SecretBox([key('k2'), legacyKey]);
    expect(box.decrypt(legacySealed, here)).toBe(legacyPlaintext);
    expect(box.decrypt(legacySealed, sealedIn.idempotencyResponse('idem_1'))).toBe(legacyPlaintext);
  });

  it('reseals a v1 value as v2 under the newest key, bound to its row', () => {
    const box = new SecretBox([key('k2'), legacyKey]);
    expect(box.isCurrent(legacySealed)).toBe(false);
    const resealed = box.reseal(legacySealed, here);
    expect(resealed.startsWith('v2.k2.')).toBe(true);
    expect(box.isCurrent(resealed)).toBe(true);
    expect(box.decrypt(resealed, here)).toBe(legacyPlaintext);
    expect(() => box.decrypt(resealed, elsewhere)).toThrow(SealedValueError);
  });

  it('moves a value to another column by resealing it for that column', () => {
    const box = new SecretBox([key('k1')]);
    const current = box.encrypt('rotated out', sealedIn.endpointSecret('ep_1'));
    const previous = box.reseal(current, sealedIn.endpointSecret('ep_1'), sealedIn.previousEndpointSecret('ep_1'));
    expect(box.decrypt(previous, sealedIn.previousEndpointSecret('ep_1'))).toBe('rotated out');
    expect(() => box.decrypt(previous, sealedIn.endpointSecret('ep_1'))).toThrow(SealedValueError);
  });

  it('decrypts ciphertext from the old key after rotation, and encrypts with the new key', () => {
    const oldKey = key('old');
    const newKey = key('new');
    const sealedBefore = new SecretBox([oldKey]).encrypt('rotate me', here);
    const rotated = new SecretBox([newKey, oldKey]);
    expect(rotated.currentKeyId).toBe('new');
    expect(rotated.decrypt(sealedBefore, here)).toBe('rotate me');
    expect(rotated.isCurrent(sealedBefore)).toBe(false);
    const sealedAfter = rotated.encrypt('rotate me', here);
    expect(sealedAfter.split('.')[1]).toBe('new');
    expect(rotated.isCurrent(sealedAfter)).toBe(true);
    expect(new SecretBox([newKey]).decrypt(sealedAfter, here)).toBe('rotate me');
  });

  it('fails when the ciphertext, tag or iv is tampered with', () => {
    const box = new SecretBox([key('k1')]);
    const sealed = box.encrypt('do not touch', here);
    for (const index of [2, 3, 4]) expect(() => box.decrypt(tamper(sealed, index), here)).toThrow(SealedValueError);
    expect(() => box.decrypt(tamper(legacySealed, 4), here)).toThrow(SealedValueError);
  });

  it('refuses a truncated authentication tag', () => {
    const box = new SecretBox([key('k1')]);
    const parts = box.encrypt('short tag', here).split('.');
    parts[3] = Buffer.from(parts[3]!, 'base64').subarray(0, 4).toString('base64');
    expect(() => box.decrypt(parts.join('.'), here)).toThrow(/malformed/);
  });

  it('fails when decrypting with a different key under the same id', () => {
    const sealed = new SecretBox([key('k1')]).encrypt('secret', here);
    expect(() => new SecretBox([key('k1')]).decrypt(sealed, here)).toThrow(/does not open with key "k1"/);
  });

  it('names the unknown key id and the row, and no key material, when the ring lacks the key', () => {
    const gone = key('gone');
    const kept = key('k2');
    const sealed = new SecretBox([gone]).encrypt('secret', here);
    let message = '';
    try {
      new SecretBox([kept]).decrypt(sealed, here);
    } catch (err) {
      expect(err).toBeInstanceOf(SealedValueError);
      message = (err as Error).message;
    }
    expect(message).toContain('no encryption key with id "gone"');
    expect(message).toContain('endpoints.secret:ep_01HZX0000000000000000000AA');
    for (const material of [gone.key, kept.key]) {
      expect(message).not.toContain(material.toString('base64'));
      expect(message).not.toContain(material.toString('hex'));
    }
  });

  it('rejects malformed sealed values', () => {
    const box = new SecretBox([key('k1')]);
    const valid = box.encrypt('x', here);
    expect(() => box.decrypt('not sealed', here)).toThrow(/malformed/);
    expect(() => box.decrypt('v2.k1.a.b.c', here)).toThrow(/malformed/);
    expect(() => box.decrypt(valid.replace(/^v2\./, 'v3.'), here)).toThrow(/malformed/);
    expect(() => box.decrypt(`${valid}.extra`, here)).toThrow(/malformed/);
  });

  it('needs the row id of the context', () => {
    const box = new SecretBox([key('k1')]);
    expect(() => box.encrypt('x', sealedIn.endpointSecret(''))).toThrow(/id of its row/);
  });

  it('needs at least one key, each id once', () => {
    expect(() => new SecretBox([])).toThrow(/at least one key/);
    expect(() => new SecretBox([key('k1'), key('k1')])).toThrow(/unique/);
  });
});

describe('signing secrets', () => {
  it('generates whsec_ secrets of 32 random bytes that pass validation', () => {
    const a = generateSigningSecret();
    const b = generateSigningSecret();
    expect(a).not.toBe(b);
    for (const secret of [a, b]) {
      expect(secret.startsWith('whsec_')).toBe(true);
      expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
      expect(isValidSigningSecret(secret)).toBe(true);
    }
  });

  it('accepts caller-supplied secrets of 24 to 64 bytes', () => {
    expect(isValidSigningSecret(whsec(24))).toBe(true);
    expect(isValidSigningSecret(whsec(40))).toBe(true);
    expect(isValidSigningSecret(whsec(64))).toBe(true);
  });

  it('rejects secrets shorter than 24 bytes', () => {
    expect(isValidSigningSecret(whsec(23))).toBe(false);
    expect(isValidSigningSecret(whsec(1))).toBe(false);
    expect(isValidSigningSecret('whsec_')).toBe(false);
  });

  it('rejects secrets longer than 64 bytes', () => {
    expect(isValidSigningSecret(whsec(65))).toBe(false);
    expect(isValidSigningSecret(whsec(128))).toBe(false);
  });

  it('rejects secrets that are not canonical base64', () => {
    const valid = whsec(32);
    expect(isValidSigningSecret(`${valid}!`)).toBe(false);
    expect(isValidSigningSecret(valid.replace(/.$/, '*'))).toBe(false);
    expect(isValidSigningSecret(`whsec_${randomBytes(32).toString('base64url').replace(/=+$/, '')}-_`)).toBe(false);
    expect(isValidSigningSecret(`whsec_${'a'.repeat(43)}`)).toBe(false); // missing padding
    expect(isValidSigningSecret(`whsec_${randomBytes(32).toString('base64')} `)).toBe(false);
  });

  it('rejects secrets without the whsec_ prefix', () => {
    const raw = randomBytes(32).toString('base64');
    expect(isValidSigningSecret(raw)).toBe(false);
    expect(isValidSigningSecret(`wh_${raw}`)).toBe(false);
    expect(isValidSigningSecret(`WHSEC_${raw}`)).toBe(false);
  });
});
