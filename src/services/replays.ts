import type { ServiceContext } from './context.js';

/** Replay, retry and recover of deliveries. */
export function createReplayService(_ctx: ServiceContext) {
  return {};
}
