import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Delivery } from '../src/db/entities/index.js';
import { newId } from '../src/ids.js';
import { redactHeaders } from '../src/delivery/sensitive-headers.js';
import { isAccepted, outcomeOf, sendAttempt, withBackoff, type AttemptOutcome, type AttemptResponse } from '../src/delivery/attempt.js';
import { RETRY_JITTER, type RetryPlan } from '../workflows/backoff.js';
import { loadAttemptContext, recordAttempt, type AttemptContext, type EndpointChange } from '../src/db/queries/attempts.js';
import { endpointSigningSecrets } from '../src/services/endpoint-secrets.js';
import { webhookBody } from '../src/services/payload.js';
import { isOperationalEventType } from '../src/event-types.js';
import {
  deliveryDeadLetteredEvent,
  endpointDisabledEvent,
  endpointFailingEvent,
  endpointRecoveredEvent,
  systemActor,
  type OperationalEvent,
} from '../src/services/operational-events.js';
import { disableEndpoint, wakeStoppedDeliveries } from '../src/services/endpoints/disable.js';
import type { ActivityDeps } from './deps.js';
import { isFailing, nextHealth } from './endpoint-health.js';
import { takeToken } from './rate-limit.js';

export type { AttemptOutcome } from '../src/delivery/attempt.js';

/** Recorded response bodies keep this many bytes. */
const RECORDED_BODY_BYTES = 4096;

/** The first version of the delivery workflow publishes an attempt's notices itself. */
const V1_WORKFLOW_TYPE = 'deliverWebhookWorkflow';

export interface DeliveryPlan {
  /** Attempts made before this run's first one. */
  attemptCount: number;
  retryScheduleSeconds: number[];
  maxRetryIntervalSeconds: number;
  holdDeadlineSeconds: number;
  /** A test delivery (`POST /endpoints/{id}/test`): one attempt, then `failed` instead of a dead letter. */
  test?: boolean;
}

export function createDeliveryActivities(deps: ActivityDeps) {
  const { orm, secretBox, sender, operationalEvents } = deps;

  function planOf(attemptCount: number, test: boolean): DeliveryPlan {
    const plan: DeliveryPlan = { attemptCount, ...deps.delivery };
    return test ? { ...plan, retryScheduleSeconds: [], test: true } : plan;
  }

  /**
   * Attempt number `attempt` of a delivery, loaded as `ctx`: answered from the record when it was
   * made already; otherwise sent with the endpoint's URL, headers and secrets as they are now and
   * recorded, with the endpoint's health, in one transaction. Paused endpoints hold the delivery;
   * disabled ones end it; a rate-limited endpoint without a free slot throttles it (nothing sent,
   * nothing recorded). What the attempt means for the endpoint comes back as `notices`, for the
   * workflow to publish once this step is done; a failure comes back with its wait from `retry`.
   */
  async function attempt(ctx: AttemptContext, attempt: number, retry?: RetryPlan): Promise<AttemptOutcome> {
    const em = orm.em.fork();
    const { delivery, endpoint, event } = ctx;
    // The outcome of a response, as sent or as recorded, with the wait `retry` gives a failure.
    const answer = (response: AttemptResponse) => withBackoff(outcomeOf(response, Date.now()), retry, Date.now());
    if (ctx.recorded) return answer(ctx.recorded.response);
    if (delivery.status !== 'pending') {
      return { kind: 'stopped', reason: delivery.failureReason ?? `already_${delivery.status}`, attempted: false };
    }
    if (!endpoint || !event) return stop(delivery.id, 'endpoint_missing');
    if (endpoint.status === 'disabled') return stop(delivery.id, 'endpoint_disabled');
    if (endpoint.status === 'paused') return { kind: 'held' };
    if (endpoint.rateLimitPerSecond) {
      const token = await takeToken(em, endpoint.id, endpoint.rateLimitPerSecond);
      if (!token.taken) return { kind: 'throttled', waitMs: token.waitMs, tokenIntervalMs: 1000 / endpoint.rateLimitPerSecond };
    }

    const now = new Date();
    const target = { url: endpoint.url, headers: endpoint.headers, timeoutSeconds: endpoint.timeoutSeconds, secrets: endpointSigningSecrets(endpoint, secretBox, now) };
    const heartbeat = setInterval(() => heartbeatIfInActivity(), 1000);
    let sent;
    try {
      sent = await sendAttempt(sender, target, { eventId: event.id, body: webhookBody(event) }, now);
    } finally {
      clearInterval(heartbeat);
    }
    const { result } = sent;
    const status = result.status;
    const ok = isAccepted(status);
    // Hookline's own events neither count towards an endpoint's health nor announce anything
    // about their deliveries, so an outage cannot feed on its own notices.
    const tracksHealth = !isOperationalEventType(event.type);
    const notices: OperationalEvent[] = [];
    const ref = { id: endpoint.id, tenantId: endpoint.tenantId, environment: endpoint.environment };
    const outcome = answer({ status, headers: result.headers, error: result.error, errorCode: result.errorCode });
    // A success only writes the endpoint when it ends a run of failures.
    const touchesEndpoint = (tracksHealth && (!ok || isFailing(endpoint))) || status === 410;
    // The endpoint's other pending deliveries a 410 stopped, to wake once the attempt is recorded.
    let stopped: string[] = [];
    const recorded = await recordAttempt(
      em,
      {
        id: newId('attempt'),
        deliveryId: delivery.id,
        attempt,
        workflowRunId: activityRunId(),
        startedAt: sent.startedAt,
        durationMs: result.durationMs,
        url: endpoint.url,
        requestHeaders: redactHeaders(sent.requestHeaders),
        responseStatus: status,
        responseHeaders: status === null ? null : result.headers,
        responseBody: result.body === null ? null : truncateUtf8(result.body, RECORDED_BODY_BYTES),
        error: result.error,
        errorCode: result.errorCode,
        accepted: ok,
        gone: !ok && status === 410,
        nextAttemptAt: outcome.kind === 'retry' && outcome.backoff ? new Date(outcome.backoff.nextAttemptAt) : null,
      },
      endpoint.id,
      touchesEndpoint
        ? async (row, tx) => {
            const change: EndpointChange = {};
            if (tracksHealth) {
              const { health, notice } = nextHealth(row, ok, now);
              Object.assign(change, health);
              if (notice?.kind === 'failing') {
                notices.push(endpointFailingEvent(ref, { ...notice, deliveryId: delivery.id, eventType: event.type, responseStatus: status }));
              } else if (notice?.kind === 'recovered') {
                notices.push(endpointRecoveredEvent(ref, { ...notice, recoveredAt: now, deliveryId: delivery.id, eventType: event.type }));
              }
            }
            if (status === 410 && row.status !== 'disabled') {
              stopped = await disableEndpoint(tx, {
                endpoint: { ...ref, status: row.status },
                reason: 'gone',
                actor: systemActor(ref),
                changes: { delivery_id: delivery.id, event_type: event.type },
              });
              notices.push(endpointDisabledEvent(ref, { reason: 'gone', deliveryId: delivery.id, eventType: event.type }));
            }
            return change;
          }
        : undefined,
    );
    if (!recorded) {
      // Another run of this step recorded the attempt first: answer as it did.
      const first = await loadAttemptContext(em, delivery.id, { attempt });
      if (first?.recorded) return answer(first.recorded.response);
    }
    // A retry of this step after it committed finds the attempt recorded and wakes nothing; the
    // stopped deliveries' rows are `failed` already, so they end at their next attempt anyway.
    if (recorded) await wakeStoppedDeliveries(deps.workflows, stopped);
    if (!recorded || notices.length === 0) return outcome;
    if (activityWorkflowType() === V1_WORKFLOW_TYPE) {
      for (const notice of notices) await operationalEvents.publish(notice);
      return outcome;
    }
    return { ...outcome, notices };
  }

  /** Ends a delivery that cannot be attempted, without an attempt. */
  async function stop(deliveryId: string, reason: 'endpoint_missing' | 'endpoint_disabled'): Promise<AttemptOutcome> {
    await orm.em.fork().nativeUpdate(Delivery, { id: deliveryId, status: 'pending' }, { status: 'failed', failureReason: reason, nextAttemptAt: null });
    return { kind: 'stopped', reason, attempted: false };
  }

  async function load(deliveryId: string, key: Parameters<typeof loadAttemptContext>[2]): Promise<AttemptContext> {
    const ctx = await loadAttemptContext(orm.em.fork(), deliveryId, key);
    if (!ctx) throw ApplicationFailure.nonRetryable(`delivery ${deliveryId} does not exist`, 'DeliveryNotFound');
    return ctx;
  }

  return {
    /**
     * The first step of a delivery run: reads what the workflow needs to plan its retries and
     * makes the first attempt. Run again after it committed (a worker died before the workflow
     * task completed), it finds the attempt this run recorded and answers with it. A delivery
     * re-run from the Temporal CLI (workflow reset, a new run) finds its row finished: it becomes
     * `pending` again. A test event's delivery gets no retries.
     */
    async startDelivery({ deliveryId, sample }: { deliveryId: string; sample: number }): Promise<{ plan: DeliveryPlan; outcome: AttemptOutcome }> {
      const runId = activityRunId();
      const ctx = await load(deliveryId, runId ? { runId } : { attempt: -1 });
      if (!ctx.recorded && ctx.delivery.status !== 'pending') {
        await orm.em.fork().nativeUpdate(Delivery, { id: deliveryId }, { status: 'pending', failureReason: null, deliveredAt: null });
        ctx.delivery.status = 'pending';
        ctx.delivery.failureReason = null;
      }
      const attemptCount = ctx.recorded ? ctx.recorded.attempt - 1 : ctx.delivery.attemptCount;
      const plan = planOf(attemptCount, ctx.event?.test ?? false);
      const policy = { scheduleSeconds: plan.retryScheduleSeconds, maxIntervalSeconds: plan.maxRetryIntervalSeconds, jitter: RETRY_JITTER };
      return { plan, outcome: await attempt(ctx, attemptCount + 1, { policy, failures: 0, sample }) };
    },

    /** Attempt number `attempt` of a delivery (a retry); idempotent like the first. */
    async attemptDelivery(input: { deliveryId: string; attempt: number; retry?: RetryPlan }): Promise<AttemptOutcome> {
      return attempt(await load(input.deliveryId, { attempt: input.attempt }), input.attempt, input.retry);
    },

    /** Publishes the operational events an attempt gave rise to; each is published once (by its key). */
    async publishNotices(notices: OperationalEvent[]): Promise<void> {
      for (const notice of notices) await operationalEvents.publish(notice);
    },

    /**
     * The first version's opening step (see `deliverWebhookWorkflow`): reads the plan, and
     * makes a finished row `pending` again for a run reset from the Temporal CLI.
     */
    async beginDelivery({ deliveryId }: { deliveryId: string }): Promise<DeliveryPlan> {
      const ctx = await load(deliveryId, { attempt: -1 });
      if (ctx.delivery.status !== 'pending') {
        await orm.em.fork().nativeUpdate(Delivery, { id: deliveryId }, { status: 'pending', failureReason: null, deliveredAt: null });
      }
      return planOf(ctx.delivery.attemptCount, ctx.event?.test ?? false);
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

/** The Temporal run this activity belongs to; null outside an activity (unit tests). */
function activityRunId(): string | null {
  try {
    return Context.current().info.workflowExecution?.runId ?? null;
  } catch {
    return null;
  }
}

function activityWorkflowType(): string | null {
  try {
    return Context.current().info.workflowType ?? null;
  } catch {
    return null;
  }
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
