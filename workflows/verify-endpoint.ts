import { ActivityFailure, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import type * as activities from '../activities/index.js';

type Activities = ReturnType<typeof activities.createActivities>;

export interface VerifyEndpointInput {
  endpointId: string;
}

export interface VerifyEndpointResult {
  verified: boolean;
  reason?: string;
}

/** Room the handshake activity gets above the receiver's limit (worker pick-up, database reads). */
const SEND_MARGIN_MS = 5_000;

const { beginVerification, recordVerification } = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '5 seconds', backoffCoefficient: 2 },
});

/**
 * The URL-ownership handshake of one endpoint: a signed challenge the receiver must echo within
 * the limit, then the result on the endpoint row. Input is the endpoint id only; the challenge and
 * the secrets never leave the activity, so history holds neither.
 */
export async function verifyEndpointWorkflow(input: VerifyEndpointInput): Promise<VerifyEndpointResult> {
  const plan = await beginVerification(input);
  if (!plan.found) return { verified: false, reason: 'endpoint_missing' };

  const limitMs = plan.timeoutSeconds * 1000;
  // A failed handshake is an answer, not an error: HTTP outcomes come back as values and are never
  // retried. Only real failures (the database, a lost worker) are tried again, within the limit.
  const { sendVerificationChallenge } = proxyActivities<Activities>({
    startToCloseTimeout: limitMs + SEND_MARGIN_MS,
    scheduleToCloseTimeout: limitMs + 2 * SEND_MARGIN_MS,
    retry: { initialInterval: '1 second', maximumAttempts: 3 },
  });

  let outcome: VerifyEndpointResult;
  try {
    outcome = await sendVerificationChallenge(input);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    outcome = { verified: false, reason: err.cause instanceof TimeoutFailure ? 'timeout' : 'verification_error' };
  }

  await recordVerification({ endpointId: input.endpointId, verified: outcome.verified, reason: outcome.reason ?? null });
  return outcome;
}
