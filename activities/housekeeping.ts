import type { ActivityDeps } from './deps.js';

/** Reconciliation, auto-disable and retention purge. */
export function createHousekeepingActivities(_deps: ActivityDeps) {
  return {};
}
