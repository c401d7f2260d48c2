/**
 * The API killed with SIGKILL mid-publish and started again on its port, while clients retry
 * each event with the same body and the same Idempotency-Key until they get a 2xx: every logical
 * event is stored exactly once and delivered.
 */
import { retriedThroughOutage, seconds, type ExactlyOnceResult, type FaultContext } from './common.js';

export function apiKill(context: FaultContext): Promise<ExactlyOnceResult> {
  return retriedThroughOutage(context, 'api-kill', {
    down: () => context.stack.killApi(),
    up: () => context.stack.startApi(),
    downMs: 1_000,
    describe: (ms) => `API down ${seconds(ms)} (kill → /readyz)`,
  });
}
