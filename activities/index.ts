import { createDeliveryActivities } from './delivery.js';
import { createVerificationActivities } from './verification.js';
import { createRateLimitActivities } from './rate-limit.js';
import { createHousekeepingActivities } from './housekeeping.js';
import type { ActivityDeps } from './deps.js';

export type { ActivityDeps } from './deps.js';
export type { AttemptOutcome, DeliveryPlan } from './delivery.js';
export type { VerificationOutcome, VerificationPlan } from './verification.js';

/** Every activity the worker registers, built over injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createDeliveryActivities(deps),
    ...createVerificationActivities(deps),
    ...createRateLimitActivities(deps),
    ...createHousekeepingActivities(deps),
  };
}
