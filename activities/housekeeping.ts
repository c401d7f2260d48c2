import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Delivery, Endpoint, FINISHED_DELIVERY_STATUSES } from '../src/db/entities/index.js';
import { requeueDeliveries } from '../src/services/delivery-queue.js';
import { disableEndpoint, wakeStoppedDeliveries } from '../src/services/endpoints/disable.js';
import { endpointDisabledEvent, systemActor } from '../src/services/operational-events.js';
import { deliveryWorkflowId } from '../src/temporal/workflow-ids.js';
import type { ActivityDeps } from './deps.js';

/** A pending delivery younger than this may still be having its workflow started by the API. */
const RECONCILE_MIN_AGE_MS = 30_000;
/** Rows read (and workflows looked up) per round trip. */
const PAGE_SIZE = 200;
/** Workflow look-ups in flight at once. */
const LOOKUP_CONCURRENCY = 16;
/** Deliveries deleted per statement, so a large purge never holds long locks. */
const PURGE_BATCH = 1000;

export interface ReconcileResult {
  checked: number;
  started: number;
}

export interface AutoDisableResult {
  disabled: string[];
}

export interface PurgeResult {
  deliveries: number;
  attempts: number;
  events: number;
  idempotencyRecords: number;
  /** Portal sessions that ended (expired) longer ago than the retention period. */
  portalSessions?: number;
}

/** Reconciliation, auto-disable and retention purge: the work of the housekeeping Schedules. */
export function createHousekeepingActivities(deps: ActivityDeps) {
  const { orm, temporal, workflows, operationalEvents, logger } = deps;
  const { tenants, autoDisableAfterSeconds, retentionDays } = deps.housekeeping;
  const tenantWhere = tenants.length > 0 ? { tenantId: { $in: tenants } } : {};

  async function workflowExists(deliveryId: string): Promise<boolean> {
    try {
      await temporal.workflow.getHandle(deliveryWorkflowId(deliveryId)).describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /** Disables one endpoint if it is still failing past `cutoff`; returns its stopped deliveries, or undefined. */
  async function disableFailing(em: EntityManager, endpointId: string, cutoff: Date) {
    return em.transactional(async (tx) => {
      const ep = await tx.findOne(Endpoint, { id: endpointId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      // A success may have ended the run since the candidates were read.
      if (!ep || ep.status !== 'active' || ep.deletedAt || ep.consecutiveFailures <= 0 || !ep.failingSince || ep.failingSince >= cutoff) {
        return undefined;
      }
      const run = { consecutiveFailures: ep.consecutiveFailures, failingSince: ep.failingSince };
      const stopped = await disableEndpoint(tx, {
        endpoint: ep,
        reason: 'failing',
        actor: systemActor(ep),
        changes: { consecutive_failures: run.consecutiveFailures, failing_since: run.failingSince.toISOString() },
      });
      return { endpoint: { id: ep.id, tenantId: ep.tenantId, environment: ep.environment }, run, stopped };
    });
  }

  return {
    /**
     * Starts the workflow of every dispatched pending delivery that has none, so a Temporal server
     * that lost its state loses no delivery. Deliveries still in the dispatch queue are the
     * dispatchers' (a claim that died with its dispatcher expires and is claimed again).
     */
    async reconcileDeliveries(): Promise<ReconcileResult> {
      const em = orm.em.fork();
      const createdBefore = new Date(Date.now() - RECONCILE_MIN_AGE_MS);
      const result: ReconcileResult = { checked: 0, started: 0 };
      let after = '';
      for (;;) {
        const page = await em.find(
          Delivery,
          { status: 'pending', dispatchAfter: null, createdAt: { $lt: createdBefore }, id: { $gt: after }, ...tenantWhere },
          { orderBy: { id: 'asc' }, limit: PAGE_SIZE },
        );
        if (page.length === 0) break;
        after = page[page.length - 1]!.id;
        const missing: Delivery[] = [];
        for (let i = 0; i < page.length; i += LOOKUP_CONCURRENCY) {
          const slice = page.slice(i, i + LOOKUP_CONCURRENCY);
          const exists = await Promise.all(slice.map((d) => workflowExists(d.id)));
          slice.forEach((d, j) => exists[j] || missing.push(d));
        }
        // Started again the way every delivery starts: by a dispatcher, from the dispatch queue.
        const queued = await requeueDeliveries(em, missing.map((d) => d.id), workflows.taskQueue);
        if (queued > 0) logger.warn({ deliveryIds: missing.map((d) => d.id) }, 'reconciler queued pending deliveries whose workflow was missing');
        result.checked += page.length;
        result.started += queued;
        Context.current().heartbeat(result);
        em.clear();
      }
      return result;
    },

    /**
     * Disables every active endpoint whose attempts have all failed for the configured window
     * (`disabled_reason: failing`): its pending deliveries end `failed` / `endpoint_disabled`, the
     * change is audited as `system`, and `endpoint.disabled` is published.
     */
    async disableFailingEndpoints(): Promise<AutoDisableResult> {
      const em = orm.em.fork();
      const cutoff = new Date(Date.now() - autoDisableAfterSeconds * 1000);
      const candidates = await em.find(
        Endpoint,
        { status: 'active', deletedAt: null, consecutiveFailures: { $gt: 0 }, failingSince: { $lt: cutoff }, ...tenantWhere },
        { fields: ['id'], orderBy: { id: 'asc' } },
      );
      const disabled: string[] = [];
      for (const { id } of candidates) {
        const done = await disableFailing(em.fork(), id, cutoff);
        if (!done) continue;
        disabled.push(id);
        logger.warn({ endpointId: id, failingSince: done.run.failingSince }, 'endpoint disabled after failing for too long');
        await wakeStoppedDeliveries(workflows, done.stopped);
        await operationalEvents.publish(endpointDisabledEvent(done.endpoint, { reason: 'failing', ...done.run }));
        Context.current().heartbeat(disabled.length);
      }
      return { disabled };
    },

    /**
     * Deletes finished deliveries older than the retention period with their attempts, the
     * events no delivery refers to any more, expired idempotency records, portal sessions expired
     * before the retention period, and the rate-limit buckets of endpoints that no longer have a limit.
     */
    async purgeExpiredData(): Promise<PurgeResult> {
      const em = orm.em.fork();
      const cutoff = new Date(Date.now() - retentionDays * 24 * 3600 * 1000).toISOString();
      // `and <column> in (?, …)` when housekeeping is limited to some tenants; its values are `tenants`.
      const tenantSql = (column: string) => (tenants.length > 0 ? `and ${column} in (${tenants.map(() => '?').join(', ')})` : '');
      const result: PurgeResult = { deliveries: 0, attempts: 0, events: 0, idempotencyRecords: 0, portalSessions: 0 };

      for (;;) {
        // One statement per batch: a delivery is purged with its attempts or kept whole.
        const [batch] = await em.execute<{ deliveries: number; attempts: number }[]>(
          `with doomed as (
             select id from deliveries
              where status in (?, ?, ?) and created_at < ?::timestamptz and updated_at < ?::timestamptz ${tenantSql('tenant_id')}
              order by created_at
              limit ${PURGE_BATCH}
              for update skip locked
           ), purged_attempts as (
             delete from attempts where delivery_id in (select id from doomed) returning 1
           ), purged as (
             delete from deliveries where id in (select id from doomed) returning 1
           )
           select (select count(*) from purged)::int as deliveries, (select count(*) from purged_attempts)::int as attempts`,
          [...FINISHED_DELIVERY_STATUSES, cutoff, cutoff, ...tenants],
        );
        result.deliveries += batch?.deliveries ?? 0;
        result.attempts += batch?.attempts ?? 0;
        Context.current().heartbeat(result);
        if ((batch?.deliveries ?? 0) < PURGE_BATCH) break;
      }

      for (;;) {
        const [batch] = await em.execute<{ events: number }[]>(
          `with doomed as (
             select e.id from events e
              where e.created_at < ?::timestamptz ${tenantSql('e.tenant_id')}
                and not exists (select 1 from deliveries d where d.event_id = e.id)
              limit ${PURGE_BATCH}
           ), purged as (
             delete from events where id in (select id from doomed) returning 1
           )
           select count(*)::int as events from purged`,
          [cutoff, ...tenants],
        );
        result.events += batch?.events ?? 0;
        Context.current().heartbeat(result);
        if ((batch?.events ?? 0) < PURGE_BATCH) break;
      }

      const idempotency = await em.execute<{ n: number }[]>(
        `with purged as (delete from idempotency_records where expires_at < now() ${tenantSql('tenant_id')} returning 1)
         select count(*)::int as n from purged`,
        tenants,
      );
      result.idempotencyRecords = idempotency[0]?.n ?? 0;

      // Their creation and revocation stay in the audit log; the rows only answer GET /portal-sessions/{id}.
      const sessions = await em.execute<{ n: number }[]>(
        `with purged as (delete from portal_sessions where expires_at < ?::timestamptz ${tenantSql('tenant_id')} returning 1)
         select count(*)::int as n from purged`,
        [cutoff, ...tenants],
      );
      result.portalSessions = sessions[0]?.n ?? 0;

      await em.execute(
        `delete from endpoint_rate_limits b
          where not exists (select 1 from endpoints e where e.id = b.endpoint_id and e.rate_limit_per_second is not null)`,
        [],
        'run',
      );
      if (result.deliveries > 0 || result.events > 0) logger.info({ ...result, retentionDays }, 'retention purge');
      return result;
    },
  };
}
