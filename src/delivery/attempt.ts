import { retryDelayMs, type RetryHint, type RetryPlan } from '../../workflows/backoff.js';
import type { OperationalEvent } from '../services/operational-events.js';
import type { HttpSender, SendResult } from './http-sender.js';
import type { SendErrorCode } from './send-error.js';
import { parseRetryAfter } from './retry-after.js';
import { webhookHeaders } from './signing.js';

/** What one attempt came to. Carries no payload or response body: this lands in Temporal history. */
export type AttemptOutcome =
  | { kind: 'delivered'; status: number; notices?: OperationalEvent[] }
  | {
      kind: 'retry';
      status: number | null;
      error: string | null;
      hint: RetryHint;
      /**
       * The wait before the next attempt, worked out by the attempt from the run's retry plan and
       * recorded with it (`next_attempt_at`); null when the schedule is exhausted.
       */
      backoff?: { delayMs: number; nextAttemptAt: string } | null;
      notices?: OperationalEvent[];
    }
  | { kind: 'held' }
  | { kind: 'stopped'; reason: string; attempted: boolean; notices?: OperationalEvent[] }
  /**
   * The endpoint's rate limit had no token: nothing was sent or recorded. One refills in `waitMs`;
   * `tokenIntervalMs` is the time between two tokens (1 s / rate).
   */
  | { kind: 'throttled'; waitMs: number; tokenIntervalMs: number };

/** What an attempt that was sent can come to (held and throttled attempts send nothing). */
export type SentOutcome = Extract<AttemptOutcome, { kind: 'delivered' | 'retry' | 'stopped' }>;

/** Where an attempt goes, with the endpoint's settings as they are now. */
export interface AttemptTarget {
  url: string;
  /** The endpoint's own extra headers. */
  headers: Record<string, string>;
  timeoutSeconds: number;
  /** The secrets that sign (two during a rotation's grace period). */
  secrets: string[];
}

/** The message every attempt of a delivery carries: `webhook-id` is the event id. */
export interface WebhookMessage {
  eventId: string;
  body: string;
}

/** What a receiver answered (or why it could not), as sent or as recorded. */
export interface AttemptResponse {
  status: number | null;
  headers: Record<string, string> | null;
  error: string | null;
  errorCode: SendErrorCode | null;
}

export interface SentAttempt {
  startedAt: Date;
  requestHeaders: Record<string, string>;
  result: SendResult;
}

/** Signs the message (Standard Webhooks) and POSTs it once. Pure I/O: records nothing. */
export async function sendAttempt(sender: HttpSender, target: AttemptTarget, message: WebhookMessage, now = new Date()): Promise<SentAttempt> {
  const requestHeaders: Record<string, string> = {
    ...target.headers,
    'content-type': 'application/json',
    'user-agent': 'Hookline-Webhooks/1.0',
    ...webhookHeaders(target.secrets, message.eventId, Math.floor(now.getTime() / 1000), message.body),
  };
  const result = await sender.send({ url: target.url, headers: requestHeaders, body: message.body, timeoutMs: target.timeoutSeconds * 1000, kind: 'attempt' });
  return { startedAt: now, requestHeaders, result };
}

/** True when the attempt was accepted (any 2xx). */
export function isAccepted(status: number | null): status is number {
  return status !== null && status >= 200 && status < 300;
}

/**
 * What a receiver's answer means for the delivery: 2xx delivered, 410 stops it (the endpoint is
 * gone), anything else is retried, sooner or later as `Retry-After`, 429 and timeouts ask.
 */
export function outcomeOf(response: AttemptResponse, now: number): SentOutcome {
  const { status } = response;
  if (isAccepted(status)) return { kind: 'delivered', status };
  if (status === 410) return { kind: 'stopped', reason: 'gone', attempted: true };
  const timedOut = response.errorCode === 'timeout';
  const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(response.headers?.['retry-after'], now) : undefined;
  return {
    kind: 'retry',
    status,
    error: response.error,
    hint: { ...(retryAfterMs !== undefined && { retryAfterMs }), slowDown: status === 429 || timedOut },
  };
}

/** A failed attempt's outcome with the wait its retry plan gives (see `AttemptOutcome`). */
export function withBackoff(outcome: SentOutcome, retry: RetryPlan | undefined, now: number): SentOutcome {
  if (outcome.kind !== 'retry' || !retry) return outcome;
  const delayMs = retryDelayMs(retry.policy, retry.failures, retry.sample, outcome.hint);
  return { ...outcome, backoff: delayMs === undefined ? null : { delayMs, nextAttemptAt: new Date(now + delayMs).toISOString() } };
}
