/**
 * Where a delivery's time goes, from the engine's own timestamps in PostgreSQL: row committed by
 * the API → attempt started by the worker (Temporal start, workflow task, bookkeeping, activity
 * dispatch) → HTTP attempt → attempt recorded and delivery marked delivered.
 */
import type { Orm } from '../../src/db/orm.js';
import { summarize, type LatencySummary } from './stats.js';

export interface Stages {
  deliveries: number;
  /** delivery row created → first attempt started */
  queued: LatencySummary;
  /** the HTTP attempt itself, as the worker timed it */
  http: LatencySummary;
  /** response → delivery row delivered */
  recorded: LatencySummary;
}

/** Stages of the first-try deliveries to `endpointId` whose rows were created in [from, to) (performance.now()). */
export async function deliveryStages(orm: Orm, endpointId: string, from: number, to: number): Promise<Stages> {
  const epoch = (t: number) => new Date(performance.timeOrigin + t);
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ queued: number; http: number; recorded: number }[]>(
      `select extract(epoch from (a.started_at - d.created_at)) * 1000 as queued,
              a.duration_ms as http,
              extract(epoch from (d.delivered_at - a.started_at)) * 1000 - a.duration_ms as recorded
         from deliveries d join attempts a on a.delivery_id = d.id and a.attempt = 1
        where d.endpoint_id = ? and d.status = 'delivered' and d.attempt_count = 1
          and d.created_at >= ? and d.created_at < ?`,
      [endpointId, epoch(from), epoch(to)],
    );
  return {
    deliveries: rows.length,
    queued: summarize(rows.map((r) => Number(r.queued))),
    http: summarize(rows.map((r) => Number(r.http))),
    recorded: summarize(rows.map((r) => Number(r.recorded))),
  };
}
