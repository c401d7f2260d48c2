import { FINISHED_DELIVERY_STATUSES, type DeliveryStatus } from '../../db/entities/index.js';
import type { Actor } from '../actor.js';
import type { ServiceContext } from '../context.js';
import { STATS_SERIES_BUCKETS, statsWindowSeconds, type StatsWindow } from '../../schemas/endpoints.js';
import { findEndpoint } from './crud.js';

export interface EndpointStats {
  endpointId: string;
  window: string;
  since: Date;
  counts: Record<DeliveryStatus, number>;
  total: number;
  successRate: number | null;
  attempts: { count: number; latencyMs: { p50: number | null; p95: number | null; p99: number | null } };
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  /** The window in equal buckets, oldest first. */
  series: { start: Date; attempts: number; succeeded: number; successRate: number | null; latencyMs: { p50: number | null; p95: number | null } }[];
}

const toDate = (value: unknown): Date | null => (value === null || value === undefined ? null : new Date(value as string));
const toNumber = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** `GET /endpoints/{id}/stats`. */
export function createEndpointStats({ em }: ServiceContext) {
  return {
    /**
     * Counts of the deliveries created within the window, and latency percentiles and last
     * success/failure of the attempts started within it.
     */
    async stats(actor: Actor, id: string, window: StatsWindow): Promise<EndpointStats> {
      const seconds = statsWindowSeconds(window);
      const endpoint = await findEndpoint(em, actor, id);
      const since = new Date(Date.now() - seconds * 1000);
      const sinceParam = since.toISOString();

      const byStatus = await em.execute<{ status: DeliveryStatus; n: number }[]>(
        `select status, count(*)::int as n from deliveries
          where endpoint_id = ? and tenant_id = ? and created_at >= ?::timestamptz
          group by status`,
        [endpoint.id, endpoint.tenantId, sinceParam],
      );
      const attempts = await em.execute<Record<string, unknown>>(
        `select count(*)::int as count,
                percentile_cont(0.5) within group (order by a.duration_ms) as p50,
                percentile_cont(0.95) within group (order by a.duration_ms) as p95,
                percentile_cont(0.99) within group (order by a.duration_ms) as p99,
                max(a.started_at) filter (where a.response_status between 200 and 299) as last_success_at,
                max(a.started_at) filter (where a.response_status is null or a.response_status not between 200 and 299) as last_failure_at
           from attempts a join deliveries d on d.id = a.delivery_id
          where d.endpoint_id = ? and d.tenant_id = ? and a.started_at >= ?::timestamptz`,
        [endpoint.id, endpoint.tenantId, sinceParam],
        'get',
      );
      // Every bucket, empty ones too: a chart needs the gaps.
      const bucketSeconds = seconds / STATS_SERIES_BUCKETS;
      const buckets = await em.execute<Record<string, unknown>[]>(
        `with b as (
           select i, ?::timestamptz + make_interval(secs => i * ?::double precision) as start
             from generate_series(0, ${STATS_SERIES_BUCKETS - 1}) as i
         )
         select b.i, b.start, count(a.id)::int as attempts,
                count(a.id) filter (where a.response_status between 200 and 299)::int as succeeded,
                percentile_cont(0.5) within group (order by a.duration_ms) as p50,
                percentile_cont(0.95) within group (order by a.duration_ms) as p95
           from b
           left join (attempts a join deliveries d on d.id = a.delivery_id and d.endpoint_id = ? and d.tenant_id = ?)
             on a.started_at >= b.start and a.started_at < b.start + make_interval(secs => ?::double precision)
          group by b.i, b.start
          order by b.i`,
        [sinceParam, bucketSeconds, endpoint.id, endpoint.tenantId, bucketSeconds],
      );

      const counts: Record<DeliveryStatus, number> = { pending: 0, delivered: 0, failed: 0, dead_letter: 0 };
      for (const row of byStatus) counts[row.status] = Number(row.n);
      const finished = FINISHED_DELIVERY_STATUSES.reduce((sum, s) => sum + counts[s], 0);
      return {
        endpointId: endpoint.id,
        window,
        since,
        counts,
        total: finished + counts.pending,
        successRate: finished === 0 ? null : counts.delivered / finished,
        attempts: {
          count: Number(attempts.count ?? 0),
          latencyMs: { p50: toNumber(attempts.p50), p95: toNumber(attempts.p95), p99: toNumber(attempts.p99) },
        },
        lastSuccessAt: toDate(attempts.last_success_at),
        lastFailureAt: toDate(attempts.last_failure_at),
        series: buckets.map((b) => {
          const count = Number(b.attempts);
          const succeeded = Number(b.succeeded);
          return {
            start: toDate(b.start)!,
            attempts: count,
            succeeded,
            successRate: count === 0 ? null : succeeded / count,
            latencyMs: { p50: toNumber(b.p50), p95: toNumber(b.p95) },
          };
        }),
      };
    },

  };
}
