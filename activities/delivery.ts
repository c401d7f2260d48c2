import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { LockMode } from '@mikro-orm/core';
import { Attempt, Delivery, Endpoint, Event } from '../src/db/entities/index.js';
import { newId } from '../src/ids.js';
import { webhookHeaders } from '../src/delivery/signing.js';
import { parseRetryAfter } from '../src/delivery/retry-after.js';
import { endpointSigningSecrets } from '../src/services/endpoint-secrets.js';
import { webhookBody } from '../src/services/payload.js';
import { isOperationalEventType } from '../src/event-types.js';
import {
  deliveryDeadLetteredEvent,
  endpointDisabledEvent,
  endpointFailingEvent,
  endpointRecoveredEvent,
  type OperationalEvent,
} from '../src/services/operational-events.js';
import type { RetryHint } from '../workflows/backoff.js';
import type { ActivityDeps } from './deps.js';
import { isFailing, nextHealth } from './endpoint-health.js';
import { takeToken } from './rate-limit.js';

/** Recorded response bodies keep this many bytes. */
const RECORDED_BODY_BYTES = 4096;

export interface DeliveryPlan {
  attemptCount: number;
  retryScheduleSeconds: number[];
  maxRetryIntervalSeconds: number;
  holdDeadlineSeconds: number;
  /** A test delivery (`POST /endpoints/{id}/test`): one attempt, then `failed` instead of a dead letter. */
  test?: boolean;
}

/** What one attempt came to. Carries no payload or response body: this lands in Temporal history. */
export type AttemptOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; status: number | null; error: string | null; hint: RetryHint }
  | { kind: 'held' }
  | { kind: 'stopped'; reason: string; attempted: boolean }
  /**
   * The endpoint's rate limit had no token: nothing was sent or recorded. One refills in `waitMs`;
   * `tokenIntervalMs` is the time between two tokens (1 s / rate).
   */
  | { kind: 'throttled'; waitMs: number; tokenIntervalMs: number };

export function createDeliveryActivities(deps: ActivityDeps) {
  const { orm, secretBox, sender, operationalEvents } = deps;

  async function loadDelivery(deliveryId: string) {
    const em = orm.em.fork();
    const delivery = await em.findOne(Delivery, { id: deliveryId });
    if (!delivery) throw ApplicationFailure.nonRetryable(`delivery ${deliveryId} does not exist`, 'DeliveryNotFound');
    return { em, delivery };
  }

  return {
    /**
     * Reads what the workflow needs to plan its retries. A delivery re-run from the Temporal CLI
     * (workflow reset) finds its row finished: it becomes `pending` again. A test event's delivery
     * gets no retries.
     */
    async beginDelivery({ deliveryId }: { deliveryId: string }): Promise<DeliveryPlan> {
      const { em, delivery } = await loadDelivery(deliveryId);
      if (delivery.status !== 'pending') {
        delivery.status = 'pending';
        delivery.failureReason = null;
        delivery.deliveredAt = null;
        await em.flush();
      }
      const event = await em.findOne(Event, { id: delivery.eventId }, { fields: ['test'] });
      const plan: DeliveryPlan = { attemptCount: delivery.attemptCount, ...deps.delivery };
      return event?.test ? { ...plan, retryScheduleSeconds: [], test: true } : plan;
    },

    /**
     * Sends one signed attempt with the endpoint's URL, headers and secrets as they are now, and
     * records it with the endpoint's health. Paused endpoints hold the delivery; disabled ones end
     * it; a rate-limited endpoint without a free slot throttles it (nothing sent, nothing recorded).
     */
    async attemptDelivery({ deliveryId, attempt }: { deliveryId: string; attempt: number }): Promise<AttemptOutcome> {
      const { em, delivery } = await loadDelivery(deliveryId);
      if (delivery.status !== 'pending') {
        return { kind: 'stopped', reason: delivery.failureReason ?? `already_${delivery.status}`, attempted: false };
      }
      const endpoint = await em.findOne(Endpoint, { id: delivery.endpointId });
      const event = await em.findOne(Event, { id: delivery.eventId });
      if (!endpoint || !event) {
        delivery.status = 'failed';
        delivery.failureReason = 'endpoint_missing';
        await em.flush();
        return { kind: 'stopped', reason: 'endpoint_missing', attempted: false };
      }
      if (endpoint.status === 'disabled') {
        delivery.status = 'failed';
        delivery.failureReason = 'endpoint_disabled';
        delivery.nextAttemptAt = null;
        await em.flush();
        return { kind: 'stopped', reason: 'endpoint_disabled', attempted: false };
      }
      if (endpoint.status === 'paused') return { kind: 'held' };
      if (endpoint.rateLimitPerSecond) {
        const token = await takeToken(em, endpoint.id, endpoint.rateLimitPerSecond);
        if (!token.taken) return { kind: 'throttled', waitMs: token.waitMs, tokenIntervalMs: 1000 / endpoint.rateLimitPerSecond };
      }

      const body = webhookBody(event);
      const now = new Date();
      const headers: Record<string, string> = {
        ...endpoint.headers,
        'content-type': 'application/json',
        'user-agent': 'Hookline-Webhooks/1.0',
        ...webhookHeaders(endpointSigningSecrets(endpoint, secretBox, now), event.id, Math.floor(now.getTime() / 1000), body),
      };

      const heartbeat = setInterval(() => heartbeatIfInActivity(), 2000);
      let result;
      try {
        result = await sender.send({ url: endpoint.url, headers, body, timeoutMs: endpoint.timeoutSeconds * 1000 });
      } finally {
        clearInterval(heartbeat);
      }

      const status = result.status;
      const ok = status !== null && status >= 200 && status < 300;
      // Hookline's own events neither count towards an endpoint's health nor announce anything
      // about their deliveries, so an outage cannot feed on its own notices.
      const tracksHealth = !isOperationalEventType(event.type);
      const notices: OperationalEvent[] = [];
      const ref = { id: endpoint.id, tenantId: endpoint.tenantId, environment: endpoint.environment };
      await em.transactional(async (tx) => {
        tx.create(Attempt, {
          id: newId('attempt'),
          deliveryId,
          attempt,
          startedAt: now,
          durationMs: result.durationMs,
          url: endpoint.url,
          requestHeaders: headers,
          responseStatus: status,
          responseHeaders: status === null ? null : result.headers,
          responseBody: result.body === null ? null : truncateUtf8(result.body, RECORDED_BODY_BYTES),
          error: result.error,
        });
        const row = await tx.findOneOrFail(Delivery, { id: deliveryId });
        row.attemptCount = Math.max(row.attemptCount, attempt);
        row.lastResponseStatus = status;
        row.nextAttemptAt = null;
        if (ok) {
          row.status = 'delivered';
          row.deliveredAt = new Date();
        } else if (status === 410) {
          row.status = 'failed';
          row.failureReason = 'gone';
        }
        // A success only writes the endpoint when it ends a run of failures.
        if ((tracksHealth && (!ok || isFailing(endpoint))) || status === 410) {
          const ep = await tx.findOneOrFail(Endpoint, { id: endpoint.id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
          if (tracksHealth) {
            const { health, notice } = nextHealth(ep, ok, now);
            Object.assign(ep, health);
            if (notice?.kind === 'failing') {
              notices.push(endpointFailingEvent(ref, { ...notice, deliveryId, eventType: event.type, responseStatus: status }));
            } else if (notice?.kind === 'recovered') {
              notices.push(endpointRecoveredEvent(ref, { ...notice, recoveredAt: now, deliveryId, eventType: event.type }));
            }
          }
          if (status === 410 && ep.status !== 'disabled') {
            ep.status = 'disabled';
            ep.disabledReason = 'gone';
            ep.pausedAt = null;
            notices.push(endpointDisabledEvent(ref, { reason: 'gone', deliveryId, eventType: event.type }));
          }
        }
      });
      // Announced once the attempt is committed; publishing never fails the attempt.
      for (const notice of notices) await operationalEvents.publish(notice);

      if (ok) return { kind: 'delivered', status };
      if (status === 410) return { kind: 'stopped', reason: 'gone', attempted: true };
      const retryAfterMs =
        status === 429 || status === 503 ? parseRetryAfter(result.headers['retry-after'], Date.now()) : undefined;
      return {
        kind: 'retry',
        status,
        error: result.error,
        hint: { ...(retryAfterMs !== undefined && { retryAfterMs }), slowDown: status === 429 || result.timedOut },
      };
    },

    /** Records when the next attempt is due. */
    async scheduleRetry({ deliveryId, nextAttemptAt }: { deliveryId: string; nextAttemptAt: string }): Promise<void> {
      await orm.em.fork().nativeUpdate(Delivery, { id: deliveryId, status: 'pending' }, { nextAttemptAt: new Date(nextAttemptAt) });
    },

    /** Ends a delivery that will not be attempted again; a dead letter is announced (`delivery.dead_lettered`). */
    async finishDelivery(input: { deliveryId: string; status: 'dead_letter' | 'failed'; reason: string }): Promise<void> {
      const em = orm.em.fork();
      const ended = await em.nativeUpdate(
        Delivery,
        { id: input.deliveryId, status: 'pending' },
        { status: input.status, failureReason: input.reason, nextAttemptAt: null },
      );
      if (ended === 0 || input.status !== 'dead_letter') return;
      const delivery = await em.findOne(Delivery, { id: input.deliveryId });
      if (!delivery || isOperationalEventType(delivery.eventType)) return;
      const endpoint = { id: delivery.endpointId, tenantId: delivery.tenantId, environment: delivery.environment };
      await operationalEvents.publish(
        deliveryDeadLetteredEvent(endpoint, {
          id: delivery.id,
          eventId: delivery.eventId,
          eventType: delivery.eventType,
          attempts: delivery.attemptCount,
          reason: input.reason,
        }),
      );
    },
  };
}

function heartbeatIfInActivity(): void {
  try {
    Context.current().heartbeat();
  } catch {
    // Called outside an activity (unit tests): nothing to report to.
  }
}

function truncateUtf8(text: string, bytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  return buf.length <= bytes ? text : buf.subarray(0, bytes).toString('utf8');
}
