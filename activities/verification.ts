import { randomBytes } from 'node:crypto';
import { Endpoint } from '../src/db/entities/index.js';
import { webhookHeaders } from '../src/delivery/signing.js';
import type { SendResult } from '../src/delivery/http-sender.js';
import { endpointSigningSecrets } from '../src/services/endpoint-secrets.js';
import type { ActivityDeps } from './deps.js';

/** What the verification workflow needs before the handshake. */
export interface VerificationPlan {
  found: boolean;
  /** The receiver has this long to answer (HOOKLINE_VERIFY_TIMEOUT_SECONDS). */
  timeoutSeconds: number;
}

/** What a handshake came to. Carries neither the challenge nor the response: this lands in history. */
export interface VerificationOutcome {
  verified: boolean;
  reason?: string;
}

/** Reasons are stored on the endpoint and in the audit log; network errors can be long. */
const MAX_REASON_LENGTH = 200;

/**
 * Judges the receiver's answer to a challenge: 2xx with a JSON body whose `challenge` is the one
 * sent. Every other answer is not verified, with a short reason the endpoint's owner can act on.
 */
export function judgeChallengeResponse(
  result: Pick<SendResult, 'status' | 'body' | 'error' | 'errorCode'>,
  challenge: string,
): VerificationOutcome {
  if (result.errorCode === 'timeout') return { verified: false, reason: 'timeout' };
  if (result.errorCode === 'blocked_address') return { verified: false, reason: 'blocked_target' };
  if (result.status === null) {
    const error = result.error ?? 'unknown error';
    return { verified: false, reason: `connection_failed: ${error}`.slice(0, MAX_REASON_LENGTH) };
  }
  if (result.status < 200 || result.status >= 300) return { verified: false, reason: `http_status_${result.status}` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.body ?? '');
  } catch {
    return { verified: false, reason: 'invalid_json' };
  }
  const echoed = typeof parsed === 'object' && parsed !== null ? (parsed as { challenge?: unknown }).challenge : undefined;
  return echoed === challenge ? { verified: true } : { verified: false, reason: 'challenge_mismatch' };
}

export function createVerificationActivities(deps: ActivityDeps) {
  const { orm, secretBox, sender } = deps;
  const timeoutSeconds = deps.verification.timeoutSeconds;

  return {
    /** Reads what the workflow needs to bound the handshake. */
    async beginVerification({ endpointId }: { endpointId: string }): Promise<VerificationPlan> {
      const found = (await orm.em.fork().count(Endpoint, { id: endpointId, deletedAt: null })) > 0;
      return { found, timeoutSeconds };
    },

    /**
     * POSTs a signed `webhook.verification` challenge to the endpoint's URL (with its custom headers
     * and current secrets) and judges the answer. The challenge is made here so that it never
     * appears in workflow history.
     */
    async sendVerificationChallenge({ endpointId }: { endpointId: string }): Promise<VerificationOutcome> {
      const endpoint = await orm.em.fork().findOne(Endpoint, { id: endpointId, deletedAt: null });
      if (!endpoint) return { verified: false, reason: 'endpoint_missing' };

      const challenge = randomBytes(16).toString('hex');
      const body = JSON.stringify({ type: 'webhook.verification', challenge });
      const now = new Date();
      const messageId = `msg_${randomBytes(12).toString('hex')}`;
      const headers: Record<string, string> = {
        ...endpoint.headers,
        'content-type': 'application/json',
        'user-agent': 'Hookline-Webhooks/1.0',
        ...webhookHeaders(endpointSigningSecrets(endpoint, secretBox, now), messageId, Math.floor(now.getTime() / 1000), body),
      };
      const result = await sender.send({ url: endpoint.url, headers, body, timeoutMs: timeoutSeconds * 1000, kind: 'handshake' });
      const outcome = judgeChallengeResponse(result, challenge);
      deps.logger.info({ endpointId, verified: outcome.verified, reason: outcome.reason, ms: result.durationMs }, 'verification handshake');
      return outcome;
    },

    /** Records the handshake's result on the endpoint (a deleted endpoint is left alone). */
    async recordVerification(input: { endpointId: string; verified: boolean; reason: string | null }): Promise<void> {
      const em = orm.em.fork();
      const endpoint = await em.findOne(Endpoint, { id: input.endpointId, deletedAt: null });
      if (!endpoint) return;
      endpoint.verification = input.verified
        ? { status: 'verified', verified_at: new Date().toISOString(), reason: null }
        : { status: 'failed', verified_at: null, reason: input.reason ?? 'unknown' };
      await em.flush();
    },
  };
}
