import { LockMode, type QueryResult } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Delivery, Endpoint, Event, type DeliveryStatus } from '../db/entities/index.js';
import { generateSigningSecret, sealedIn } from '../delivery/secrets.js';
import { newId } from '../ids.js';
import type { Actor } from './actor.js';
import { audit } from './audit.js';
import type { ServiceContext } from './context.js';
import { findEndpoint } from './endpoints.js';
import { invalid, notFound } from './errors.js';
import { createOriginalDelivery } from './events.js';
import type { StoreAnswer } from './idempotency.js';

/** How long the previous secret keeps signing after a rotation, unless the caller says otherwise. */
export const DEFAULT_GRACE_PERIOD_SECONDS = 24 * 60 * 60;
export const MAX_GRACE_PERIOD_SECONDS = 7 * 24 * 60 * 60;
/** The event type of `POST /endpoints/{id}/test` when the caller names none. */
export const TEST_EVENT_TYPE = 'webhook.test';
export const DEFAULT_STATS_WINDOW = '24h';
const MAX_STATS_WINDOW_SECONDS = 90 * 24 * 60 * 60;
const WINDOW_UNIT_SECONDS = { m: 60, h: 60 * 60, d: 24 * 60 * 60 } as const;

/** `30m`, `24h`, `7d` … as seconds; `undefined` when malformed, zero or longer than 90 days. */
export function parseStatsWindow(window: string): number | undefined {
  const match = /^([1-9][0-9]{0,6})([mhd])$/.exec(window);
  if (!match) return undefined;
  const seconds = Number(match[1]) * WINDOW_UNIT_SECONDS[match[2] as keyof typeof WINDOW_UNIT_SECONDS];
  return seconds <= MAX_STATS_WINDOW_SECONDS ? seconds : undefined;
}

const FINISHED: DeliveryStatus[] = ['delivered', 'failed', 'dead_letter'];

export interface SecretRotation {
  endpoint: Endpoint;
  /** The new secret in plaintext: returned once, stored only sealed. */
  secret: string;
  previousSecretExpiresAt: Date | null;
}

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
}

/**
 * The endpoint a mutation acts on: the actor's own tenant and environment (never an admin's read
 * scope), not deleted. With `lock`, the row stays locked until the surrounding transaction ends.
 */
async function findOwnEndpoint(em: EntityManager, actor: Actor, id: string, lock = false): Promise<Endpoint> {
  const endpoint = await em.findOne(
    Endpoint,
    { id, tenantId: actor.tenantId, environment: actor.environment, deletedAt: null },
    lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {},
  );
  if (!endpoint) throw notFound('endpoint');
  return endpoint;
}

const toDate = (value: unknown): Date | null => (value === null || value === undefined ? null : new Date(value as string));
const toNumber = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** Soft delete, secret rotation, test events, stats and history purge of endpoints. */
export function createEndpointLifecycleService({ em, secretBox, workflows, catalogue }: ServiceContext) {
  return {
    /**
     * Soft delete: the endpoint disappears from the API and gets no new deliveries; deliveries
     * already under way keep their workflows and still complete.
     */
    async delete(actor: Actor, id: string): Promise<Endpoint> {
      const endpoint = await findOwnEndpoint(em, actor, id);
      endpoint.deletedAt = new Date();
      audit(em, actor, {
        action: 'endpoint.deleted',
        resourceType: 'endpoint',
        resourceId: endpoint.id,
        changes: { deleted_at: endpoint.deletedAt.toISOString() },
      });
      await em.flush();
      return endpoint;
    },

    /**
     * A new signing secret. The current one becomes the previous secret, which signs beside the
     * new one until the grace period ends (none for 0). The row is locked so concurrent rotations
     * chain instead of losing a secret that was already handed out.
     */
    async rotateSecret(
      actor: Actor,
      id: string,
      input: { gracePeriodSeconds?: number | undefined },
      storeAnswer?: StoreAnswer<SecretRotation>,
    ): Promise<SecretRotation> {
      const grace = input.gracePeriodSeconds ?? DEFAULT_GRACE_PERIOD_SECONDS;
      return em.transactional(async (tx) => {
        const endpoint = await findOwnEndpoint(tx, actor, id, true);
        const secret = generateSigningSecret();
        const previousSecretExpiresAt = grace > 0 ? new Date(Date.now() + grace * 1000) : null;
        // The current secret moves to another column, and a sealed value is bound to its column.
        endpoint.previousSecretSealed = previousSecretExpiresAt
          ? secretBox.reseal(endpoint.secretSealed, sealedIn.endpointSecret(endpoint.id), sealedIn.previousEndpointSecret(endpoint.id))
          : null;
        endpoint.previousSecretExpiresAt = previousSecretExpiresAt;
        endpoint.secretSealed = secretBox.encrypt(secret, sealedIn.endpointSecret(endpoint.id));
        audit(tx, actor, {
          action: 'endpoint.secret_rotated',
          resourceType: 'endpoint',
          resourceId: endpoint.id,
          changes: { grace_period_seconds: grace },
        });
        const rotation = { endpoint, secret, previousSecretExpiresAt };
        await tx.flush();
        await storeAnswer?.(tx, rotation);
        return rotation;
      });
    },

    /**
     * Sends a synthetic event to this endpoint only: one delivery, attempted once (a test is not
     * retried or dead-lettered). A disabled endpoint records it as `failed`, like any event.
     */
    async sendTest(actor: Actor, id: string, input: { eventType?: string | undefined }, storeAnswer?: StoreAnswer<Delivery>): Promise<Delivery> {
      const type = input.eventType ?? TEST_EVENT_TYPE;
      if (!catalogue.has(type)) {
        throw invalid('unknown event type', [
          { loc: ['body', 'event_type'], msg: `"${type}" is not in the event-type catalogue`, type: 'value_error.event_type' },
        ]);
      }
      const endpoint = await findOwnEndpoint(em, actor, id);
      return em.transactional(async (tx) => {
        const event = tx.create(Event, {
          id: newId('event'),
          tenantId: actor.tenantId,
          environment: actor.environment,
          type,
          data: { test: true, message: `A test ${type} event sent by Hookline to endpoint ${endpoint.id}.` },
          externalId: null,
          test: true,
        });
        const delivery = createOriginalDelivery(tx, event, endpoint, workflows.taskQueue);
        audit(tx, actor, {
          action: 'endpoint.tested',
          resourceType: 'endpoint',
          resourceId: endpoint.id,
          changes: { event_type: type, event_id: event.id, delivery_id: delivery.id },
        });
        await tx.flush();
        await storeAnswer?.(tx, delivery);
        return delivery;
      });
    },

    /**
     * Counts of the deliveries created within the window, and latency percentiles and last
     * success/failure of the attempts started within it.
     */
    async stats(actor: Actor, id: string, window: string): Promise<EndpointStats> {
      const seconds = parseStatsWindow(window);
      if (seconds === undefined) {
        throw invalid('bad stats window', [{ loc: ['query', 'window'], msg: 'expected <n>m, <n>h or <n>d, at most 90d', type: 'value_error' }]);
      }
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

      const counts: Record<DeliveryStatus, number> = { pending: 0, delivered: 0, failed: 0, dead_letter: 0 };
      for (const row of byStatus) counts[row.status] = Number(row.n);
      const finished = FINISHED.reduce((sum, s) => sum + counts[s], 0);
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
      };
    },

    /**
     * Deletes the endpoint's finished deliveries (delivered, failed, dead-lettered) and their
     * attempts in one transaction; deliveries under way are kept. Returns how many went.
     */
    async purgeDeliveries(actor: Actor, id: string): Promise<number> {
      return em.transactional(async (tx) => {
        const endpoint = await findOwnEndpoint(tx, actor, id);
        // One statement, so a delivery that finishes meanwhile is either purged with its attempts or kept whole.
        const result = await tx.execute<QueryResult>(
          `with doomed as (
             select id from deliveries
              where endpoint_id = ? and tenant_id = ? and status in (?, ?, ?)
              for update
           ), purged_attempts as (
             delete from attempts where delivery_id in (select id from doomed)
           )
           delete from deliveries where id in (select id from doomed)`,
          [endpoint.id, endpoint.tenantId, ...FINISHED],
          'run',
        );
        const deleted = result.affectedRows;
        audit(tx, actor, {
          action: 'endpoint.deliveries_purged',
          resourceType: 'endpoint',
          resourceId: endpoint.id,
          changes: { deleted },
        });
        return deleted;
      });
    },
  };
}
