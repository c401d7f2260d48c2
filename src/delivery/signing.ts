import { createHmac } from 'node:crypto';

/** The decoded key bytes of a `whsec_…` secret. */
export function secretBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

/** One Standard Webhooks v1 signature: `v1,<base64 HMAC-SHA256("{id}.{timestamp}.{body}")>`. */
export function signPayload(secret: string, webhookId: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretBytes(secret)).update(`${webhookId}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/**
 * The Standard Webhooks headers for one attempt. During a rotation grace period every
 * secret signs, and the signatures are space-separated.
 */
export function webhookHeaders(
  secrets: readonly string[],
  webhookId: string,
  timestampSeconds: number,
  body: string,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  if (secrets.length === 0) throw new Error('at least one signing secret is required');
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((s) => signPayload(s, webhookId, timestampSeconds, body)).join(' '),
  };
}
