import {
  ApplicationFailure,
  condition,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type * as activities from '../activities/index.js';
import {
  attemptNowSignal,
  pauseSignal,
  resumeSignal,
  searchAttributes,
  statusQuery,
  type DeliverWebhookInput,
  type DeliverWebhookResult,
  type DeliveryState,
} from './messages.js';
import { RETRY_JITTER, retryDelayMs, type BackoffPolicy } from './backoff.js';
import { throttledDelayMs } from './throttle.js';

type Activities = ReturnType<typeof activities.createActivities>;

const LOCAL_RETRY = { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 } as const;

// The first attempt runs as a local activity inside the first workflow task (handed straight to
// the dispatching worker by eager start): a delivery that succeeds at once costs one workflow task
// and no activity task. It is idempotent: run again after it committed, it answers what it recorded.
const { startDelivery } = proxyLocalActivities<Activities>({
  // Longer than the longest endpoint timeout (30 s) with the database work around it.
  startToCloseTimeout: '2 minutes',
  retry: LOCAL_RETRY,
});

// Short database bookkeeping, inside the workflow task that needs it.
const { scheduleRetry, finishDelivery, publishNotices } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: LOCAL_RETRY,
});

// Retries are ordinary activities: they heartbeat while they wait on the receiver, so a worker
// that dies mid-request is noticed within the heartbeat timeout and the attempt runs elsewhere.
const { attemptDelivery } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  // Heartbeats go every second (see attemptDelivery); a worker silent this long is taken for
  // dead and the attempt runs on another. A slow receiver still gets its whole timeout.
  heartbeatTimeout: '5 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 },
});

/** While a delivery is held by a paused endpoint, re-check the endpoint this often. */
const HOLD_RECHECK_MS = 60 * 60 * 1000;

/**
 * Delivers one webhook: attempts until the receiver accepts it, waiting out a jittered
 * backoff between failures. Input is the delivery id only; payloads and secrets stay in
 * PostgreSQL. Ends Failed (dead letter) when the schedule is exhausted; a test delivery gets one
 * attempt and ends `failed` instead. Operational events an attempt gives rise to (an endpoint
 * failing, recovering or gone) are published by a step of their own once it is recorded.
 */
export async function deliverWebhookWorkflowV2(input: DeliverWebhookInput): Promise<DeliverWebhookResult> {
  const state: DeliveryState = { phase: 'starting', attempts: 0, nextAttemptAt: null, paused: false };
  let attemptNow = false;
  setHandler(pauseSignal, () => {
    state.paused = true;
  });
  // Counted, so a resume that arrives while an attempt is finding the endpoint paused wins.
  let resumes = 0;
  setHandler(resumeSignal, () => {
    resumes += 1;
    state.paused = false;
  });
  setHandler(attemptNowSignal, () => {
    attemptNow = true;
  });
  setHandler(statusQuery, () => state);

  state.phase = 'attempting';
  let resumesBefore = resumes;
  const { plan, outcome: first } = await startDelivery({ ...input, sample: Math.random() });
  state.attempts = plan.attemptCount;
  const policy: BackoffPolicy = {
    scheduleSeconds: plan.retryScheduleSeconds,
    maxIntervalSeconds: plan.maxRetryIntervalSeconds,
    jitter: RETRY_JITTER,
  };
  let failures = 0;
  let heldSince: number | undefined;
  // Attempts in a row that found no token of the endpoint's rate limit.
  let throttles = 0;
  let next: activities.AttemptOutcome | undefined = first;

  for (;;) {
    if (!next) {
      if (state.paused) {
        heldSince ??= Date.now();
        const remaining = plan.holdDeadlineSeconds * 1000 - (Date.now() - heldSince);
        if (remaining <= 0) {
          return plan.test ? failTest(input.deliveryId, state, 'hold_deadline') : deadLetter(input.deliveryId, state, 'hold_deadline');
        }
        state.phase = 'held';
        await condition(() => !state.paused || attemptNow, Math.min(remaining, HOLD_RECHECK_MS));
        // Either resumed, or time to look at the endpoint again: the attempt re-checks its status.
        state.paused = false;
      }
      state.phase = 'attempting';
      attemptNow = false;
      resumesBefore = resumes;
      next = await attemptDelivery({
        deliveryId: input.deliveryId,
        attempt: state.attempts + 1,
        retry: { policy, failures, sample: Math.random() },
      });
    }
    const outcome: activities.AttemptOutcome = next;
    next = undefined;
    if ('notices' in outcome && outcome.notices && outcome.notices.length > 0) await publishNotices(outcome.notices);
    throttles = outcome.kind === 'throttled' ? throttles + 1 : 0;
    switch (outcome.kind) {
      case 'held':
        // Resumed while the attempt found the endpoint paused: look again at once.
        if (resumes === resumesBefore) state.paused = true;
        continue;
      case 'throttled': {
        // Not a failure: nothing was sent, and the attempt number and retry schedule stay as they were.
        const delay = throttledDelayMs(outcome.waitMs, outcome.tokenIntervalMs, throttles, Math.random());
        state.phase = 'throttled';
        state.nextAttemptAt = new Date(Date.now() + delay).toISOString();
        await condition(() => attemptNow || state.paused, delay);
        state.nextAttemptAt = null;
        continue;
      }
      case 'delivered':
        state.attempts += 1;
        return finish(state, { status: 'delivered', attempts: state.attempts });
      case 'stopped':
        if (outcome.attempted) state.attempts += 1;
        return finish(state, { status: 'failed', attempts: state.attempts, reason: outcome.reason });
      case 'retry': {
        state.attempts += 1;
        heldSince = undefined;
        // The attempt recorded its wait (and when it ends) along with itself: no step of its own.
        let backoff = outcome.backoff;
        if (backoff === undefined) {
          const delayMs = retryDelayMs(policy, failures, Math.random(), outcome.hint);
          backoff = delayMs === undefined ? null : { delayMs, nextAttemptAt: new Date(Date.now() + delayMs).toISOString() };
          if (backoff) await scheduleRetry({ deliveryId: input.deliveryId, nextAttemptAt: backoff.nextAttemptAt });
        }
        failures += 1;
        if (!backoff) {
          return plan.test
            ? failTest(input.deliveryId, state, 'test_delivery_failed')
            : deadLetter(input.deliveryId, state, 'retries_exhausted');
        }
        state.phase = 'backoff';
        state.nextAttemptAt = backoff.nextAttemptAt;
        await condition(() => attemptNow || state.paused, backoff.delayMs);
        state.nextAttemptAt = null;
      }
    }
  }
}

/** The run's final status, for `WebhookDeliveryStatus` queries (it starts as `pending`). */
function finish(state: DeliveryState, result: DeliverWebhookResult): DeliverWebhookResult {
  state.phase = 'done';
  upsertSearchAttributes([{ key: searchAttributes.deliveryStatus, value: result.status }]);
  return result;
}

/** A test delivery is attempted once and never dead-lettered: it ends `failed`. */
async function failTest(deliveryId: string, state: DeliveryState, reason: string): Promise<DeliverWebhookResult> {
  await finishDelivery({ deliveryId, status: 'failed', reason });
  return finish(state, { status: 'failed', attempts: state.attempts, reason });
}

async function deadLetter(deliveryId: string, state: DeliveryState, reason: string): Promise<never> {
  await finishDelivery({ deliveryId, status: 'dead_letter', reason });
  state.phase = 'done';
  upsertSearchAttributes([{ key: searchAttributes.deliveryStatus, value: 'dead_letter' }]);
  throw ApplicationFailure.nonRetryable(
    `delivery dead-lettered after ${state.attempts} attempts (${reason})`,
    'DeadLettered',
  );
}
