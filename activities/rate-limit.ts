import type { ActivityDeps } from './deps.js';

/** Per-endpoint rate limiting shared by every worker. */
export function createRateLimitActivities(_deps: ActivityDeps) {
  return {};
}
