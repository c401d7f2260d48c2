import { describe, it, expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import { SecretBox, generateSigningSecret, isValidSigningSecret } from '../../src/delivery/secrets.js';

const key = (id: string) => ({ id, key: randomBytes(32) });
const whsec = (bytes: number) => `whsec_${randomBytes(bytes).toString('base64')}`;

describe('SecretBox', () => {
  it('round-trips a secret', () => {
    const box = new SecretBox([key('k1')]);
    const plaintext = whsec(32);
    const sealed = box.encrypt(plaintext);
    expect(sealed).not.toContain(plaintext);
    expect(sealed.startsWith('v1.k1.')).toBe(true);
    expect(box.decrypt(sealed)).toBe(plaintext);
  });

  it('round-trips empty and non-ASCII plaintext', () => {
    const box = new SecretBox([key('k1')]);
    expect(box.decrypt(box.encrypt(''))).toBe('');
    expect(box.decrypt(box.encrypt('sécret ✓ 秘密'))).toBe('sécret ✓ 秘密');
  });

  it('uses a fresh IV for every encryption', () => {
    const box = new SecretBox([key('k1')]);
    expect(box.encrypt('same')).not.toBe(box.encrypt('same'));
  });

  it('decrypts ciphertext from the old key after rotation, and encrypts with the new key', () => {
    const oldKey = key('old');
    const newKey = key('new');
    const sealedBefore = new SecretBox([oldKey]).encrypt('rotate me');
    const rotated = new SecretBox([newKey, oldKey]);
    expect(rotated.decrypt(sealedBefore)).toBe('rotate me');
    const sealedAfter = rotated.encrypt('rotate me');
    expect(sealedAfter.split('.')[1]).toBe('new');
    expect(new SecretBox([newKey]).decrypt(sealedAfter)).toBe('rotate me');
  });

  it('fails when the ciphertext, tag or iv is tampered with', () => {
    const box = new SecretBox([key('k1')]);
    const sealed = box.encrypt('do not touch');
    const parts = sealed.split('.');
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[0] = bytes[0]! ^ 0x01;
      return bytes.toString('base64');
    };
    for (const index of [2, 3, 4]) {
      const tampered = [...parts];
      tampered[index] = flip(tampered[index]!);
      expect(() => box.decrypt(tampered.join('.'))).toThrow();
    }
  });

  it('fails when decrypting with a different key under the same id', () => {
    const sealed = new SecretBox([key('k1')]).encrypt('secret');
    expect(() => new SecretBox([key('k1')]).decrypt(sealed)).toThrow();
  });

  it('names the unknown key id when the ring lacks it', () => {
    const sealed = new SecretBox([key('gone')]).encrypt('secret');
    expect(() => new SecretBox([key('k2')]).decrypt(sealed)).toThrow(/no encryption key with id "gone"/);
  });

  it('rejects malformed sealed values', () => {
    const box = new SecretBox([key('k1')]);
    expect(() => box.decrypt('not sealed')).toThrow(/malformed/);
    expect(() => box.decrypt('v2.k1.a.b.c')).toThrow(/malformed/);
  });

  it('needs at least one key', () => {
    expect(() => new SecretBox([])).toThrow(/at least one key/);
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
