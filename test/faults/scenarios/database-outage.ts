/**
 * Hookline's PostgreSQL stopped (immediate shutdown) mid-publish and started again: the API
 * answers 503 with Retry-After meanwhile, clients retry each event with its Idempotency-Key, the
 * workers' steps fail and are retried by Temporal, and every event is stored once and delivered.
 */
import { retriedThroughOutage, seconds, type ExactlyOnceResult, type FaultContext } from './common.js';

export function databaseOutage(context: FaultContext): Promise<ExactlyOnceResult> {
  const { database } = context;
  if (!database) throw new Error("database-outage needs Hookline's database on a private cluster");
  return retriedThroughOutage(context, 'database-outage', {
    down: () => database.stop(),
    up: () => database.start(),
    downMs: 8_000,
    describe: (ms) => `PostgreSQL down ${seconds(ms)}`,
  });
}
