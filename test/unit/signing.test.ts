import { describe, it, expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { secretBytes, signPayload, webhookHeaders } from '../../src/delivery/signing.js';

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
const now = () => Math.floor(Date.now() / 1000);
const body = JSON.stringify({ type: 'invoice.paid', data: { id: 'in_123', amount: 4200, note: 'ünïcødé ✓' } });

describe('webhook signing (Standard Webhooks v1)', () => {
  it('produces headers that the standardwebhooks reference library verifies', () => {
    const secret = newSecret();
    const headers = webhookHeaders([secret], 'msg_1', now(), body);
    expect(new StandardWebhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('produces headers that the svix library verifies', () => {
    const secret = newSecret();
    const headers = webhookHeaders([secret], 'msg_2', now(), body);
    expect(() => new SvixWebhook(secret).verify(body, headers)).not.toThrow();
  });

  it('emits the three Standard Webhooks headers with a v1 signature', () => {
    const ts = now();
    const headers = webhookHeaders([newSecret()], 'msg_3', ts, body);
    expect(headers['webhook-id']).toBe('msg_3');
    expect(headers['webhook-timestamp']).toBe(String(ts));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it('signs with every secret during rotation, and each secret alone verifies', () => {
    const oldSecret = newSecret();
    const newSecretValue = newSecret();
    const headers = webhookHeaders([newSecretValue, oldSecret], 'msg_rot', now(), body);
    const signatures = headers['webhook-signature'].split(' ');
    expect(signatures).toHaveLength(2);
    for (const secret of [oldSecret, newSecretValue]) {
      expect(new StandardWebhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
      expect(() => new SvixWebhook(secret).verify(body, headers)).not.toThrow();
    }
    // A secret that is not in the ring does not verify.
    expect(() => new StandardWebhook(newSecret()).verify(body, headers)).toThrow();
  });

  it('fails verification when the body is tampered with', () => {
    const secret = newSecret();
    const headers = webhookHeaders([secret], 'msg_4', now(), body);
    const tampered = body.replace('4200', '4201');
    expect(() => new StandardWebhook(secret).verify(tampered, headers)).toThrow();
    expect(() => new SvixWebhook(secret).verify(tampered, headers)).toThrow();
  });

  it('fails verification when the id or timestamp header is changed', () => {
    const secret = newSecret();
    const ts = now();
    const headers = webhookHeaders([secret], 'msg_5', ts, body);
    expect(() => new StandardWebhook(secret).verify(body, { ...headers, 'webhook-id': 'msg_6' })).toThrow();
    expect(() =>
      new StandardWebhook(secret).verify(body, { ...headers, 'webhook-timestamp': String(ts - 1) }),
    ).toThrow();
  });

  it('matches the signature the reference library computes for the same input', () => {
    const secret = newSecret();
    const ts = new Date('2026-01-01T00:00:00Z');
    const expected = new StandardWebhook(secret).sign('msg_7', ts, body);
    expect(signPayload(secret, 'msg_7', Math.floor(ts.getTime() / 1000), body)).toBe(expected);
  });

  it('decodes the key bytes with or without the whsec_ prefix', () => {
    const raw = randomBytes(32);
    expect(secretBytes(`whsec_${raw.toString('base64')}`).equals(raw)).toBe(true);
    expect(secretBytes(raw.toString('base64')).equals(raw)).toBe(true);
  });

  it('refuses to sign without any secret', () => {
    expect(() => webhookHeaders([], 'msg_8', now(), body)).toThrow(/at least one signing secret/);
  });
});
