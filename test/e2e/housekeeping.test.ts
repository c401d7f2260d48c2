import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleOverlapPolicy, WorkflowNotFoundError } from '@temporalio/client';
import { Webhook } from 'standardwebhooks';
import { Attempt, AuditEntry, Delivery, Endpoint, Event, IdempotencyRecord, PortalSession } from '../../src/db/entities/index.js';
import { newId } from '../../src/ids.js';
import { deliveryWorkflowId, housekeepingScheduleId, type HousekeepingJob } from '../../src/temporal/workflow-ids.js';
import type { AutoDisableResult, PurgeResult, ReconcileResult } from '../../activities/housekeeping.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { receiverPool, waitFor } from '../helpers/receiver.js';
import { createEndpoint, getDelivery, listDeliveries, publish, waitForDeliveryStatus } from '../helpers/api.js';

// Every stack of the run shares one database: this file's housekeeping touches its own tenants only.
const tenantIds = {
  reconcile: `t_hk_rec_${randomBytes(4).toString('hex')}`,
  autoDisable: `t_hk_dis_${randomBytes(4).toString('hex')}`,
  retention: `t_hk_ret_${randomBytes(4).toString('hex')}`,
};

let stack: Stack;
const receivers = receiverPool();
const receiver = receivers.start;

beforeAll(async () => {
  stack = await startStack({
    // One quick retry, then a long wait: failing deliveries stay pending through a test.
    retrySchedule: [1, 600],
    extraEnv: {
      HOOKLINE_HOUSEKEEPING_TENANTS: Object.values(tenantIds).join(','),
      HOOKLINE_AUTO_DISABLE_AFTER_SECONDS: '60',
    },
  });
});
afterAll(async () => {
  await receivers.closeAll();
  await stack?.stop();
});

/** Triggers the job's Schedule now and returns the result of the run it started. */
async function runSchedule<T>(job: HousekeepingJob): Promise<T> {
  const handle = stack.temporal.schedule.getHandle(housekeepingScheduleId(job, stack.taskQueue));
  const before = (await handle.describe()).info.numActionsTaken;
  await handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
  const action = await waitFor(
    async () => {
      const { info } = await handle.describe();
      return info.numActionsTaken > before ? info.recentActions.at(-1) : undefined;
    },
    20_000,
    `the ${job} schedule to start a run`,
  );
  const { workflowId, firstExecutionRunId } = action.action.workflow;
  return stack.temporal.workflow.getHandle(workflowId, firstExecutionRunId).result() as Promise<T>;
}

async function workflowExists(deliveryId: string): Promise<boolean> {
  try {
    await stack.temporal.workflow.getHandle(deliveryWorkflowId(deliveryId)).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

async function backdate(table: 'deliveries' | 'events' | 'attempts', column: string, where: string, ids: string[], interval: string) {
  await stack.orm.em
    .fork()
    .execute(`update ${table} set ${column} = ${column} - interval '${interval}' where ${where} in (${ids.map(() => '?').join(', ')})`, ids, 'run');
}

describe('housekeeping schedules', () => {
  it('are created at worker start, one set per task queue', async () => {
    for (const job of ['reconcile', 'auto-disable', 'retention'] as const) {
      const description = await stack.temporal.schedule.getHandle(housekeepingScheduleId(job, stack.taskQueue)).describe();
      expect(description.action.taskQueue).toBe(stack.taskQueue);
      expect(description.spec.intervals?.[0]?.every).toBe({ reconcile: 60_000, 'auto-disable': 3_600_000, retention: 86_400_000 }[job]);
    }
  });

  it('the reconciler starts the missing workflow of a pending delivery, which is then delivered', async () => {
    const tenant = await stack.newTenant({ id: tenantIds.reconcile });
    const r = await receiver();
    const ep = await createEndpoint(tenant, { url: r.url, event_types: ['order.created'] });

    // Committed rows whose workflow never started (the API crashed right after its commit).
    const em = stack.orm.em.fork();
    const rows = ['lost', 'fresh'].map((label) => {
      const event = em.create(Event, {
        id: newId('event'),
        tenantId: tenant.id,
        environment: 'test',
        type: 'order.created',
        data: { order: label },
        externalId: null,
        test: false,
      });
      const delivery = em.create(Delivery, {
        id: newId('delivery'),
        tenantId: tenant.id,
        environment: 'test',
        eventId: event.id,
        endpointId: ep.id,
        eventType: 'order.created',
        status: 'pending',
        replayOf: null,
      });
      return { event, delivery };
    });
    await em.flush();
    const [lost, fresh] = rows as [(typeof rows)[number], (typeof rows)[number]];
    // Only rows old enough for the API to have started their workflow are the reconciler's.
    await backdate('deliveries', 'created_at', 'id', [lost.delivery.id], '2 minutes');
    expect(await workflowExists(lost.delivery.id)).toBe(false);

    const result = await runSchedule<ReconcileResult>('reconcile');
    expect(result.started).toBeGreaterThanOrEqual(1);
    const done = await waitForDeliveryStatus(tenant, lost.delivery.id, 'delivered');
    expect(done.attempt_count).toBe(1);
    expect(r.requests).toHaveLength(1);
    const body = new Webhook(ep.signing_secret).verify(r.requests[0]!.body, r.requests[0]!.headers);
    expect(body).toMatchObject({ type: 'order.created', data: { order: 'lost' } });
    expect(r.requests[0]!.headers['webhook-id']).toBe(lost.event.id);

    expect(await workflowExists(fresh.delivery.id)).toBe(false);
    expect((await getDelivery(tenant, fresh.delivery.id)).status).toBe('pending');
    // Tidy: the fresh row's workflow would otherwise be started by the next tick.
    await em.nativeDelete(Delivery, { id: fresh.delivery.id });
  });

  it('auto-disable turns off an endpoint that has failed for the whole window, ends its deliveries and announces it', async () => {
    const tenant = await stack.newTenant({ id: tenantIds.autoDisable });
    const ops = await receiver();
    const opsEp = await createEndpoint(tenant, { url: ops.url, event_types: ['endpoint.disabled'] });
    const longDown = await receiver(() => ({ status: 500 }));
    const recentlyDown = await receiver(() => ({ status: 500 }));
    const ep = await createEndpoint(tenant, { url: longDown.url, event_types: ['order.created'] });
    const recent = await createEndpoint(tenant, { url: recentlyDown.url, event_types: ['order.created'] });
    await publish(tenant, 'order.created', { order: 'o_1' });
    await waitFor(() => longDown.requests.length === 2 && recentlyDown.requests.length === 2, 20_000, 'two failed attempts each');
    const [delivery] = await listDeliveries(tenant, `?endpoint_id=${ep.id}`);
    const [recentDelivery] = await listDeliveries(tenant, `?endpoint_id=${recent.id}`);

    // `ep` has been failing for longer than the 60 s window; `recent` only for seconds.
    await waitFor(async () => (await stack.orm.em.fork().findOneOrFail(Endpoint, { id: ep.id })).consecutiveFailures === 2, 5000, 'two failures on record');
    await stack.orm.em.fork().execute(`update endpoints set failing_since = failing_since - interval '2 minutes' where id = ?`, [ep.id], 'run');

    const result = await runSchedule<AutoDisableResult>('auto-disable');
    expect(result.disabled).toEqual([ep.id]);

    const after = await tenant.api('GET', `/endpoints/${ep.id}`);
    expect(after.body).toMatchObject({ status: 'disabled', disabled_reason: 'failing', active: false });
    const stopped = await getDelivery(tenant, delivery.id);
    expect(stopped).toMatchObject({ status: 'failed', failure_reason: 'endpoint_disabled' });
    // Its workflow noticed at once instead of after the 10-minute backoff.
    await expect(stack.temporal.workflow.getHandle(deliveryWorkflowId(delivery.id)).result()).resolves.toMatchObject({
      status: 'failed',
      reason: 'endpoint_disabled',
    });
    expect((await tenant.api('GET', `/endpoints/${recent.id}`)).body.status).toBe('active');
    expect((await getDelivery(tenant, recentDelivery.id)).status).toBe('pending');

    const entries = await stack.orm.em.fork().find(AuditEntry, { tenantId: tenant.id, resourceId: ep.id, actor: 'system' });
    expect(entries).toHaveLength(1);
    expect(entries[0]!.action).toBe('endpoint.updated');
    expect(entries[0]!.changes).toMatchObject({ status: { from: 'active', to: 'disabled' }, disabled_reason: 'failing', consecutive_failures: 2 });

    const notice = await waitFor(() => ops.requests[0], 20_000, 'endpoint.disabled');
    const body = new Webhook(opsEp.signing_secret).verify(notice.body, notice.headers) as { type: string; data: unknown };
    expect(body.type).toBe('endpoint.disabled');
    expect(body.data).toEqual({ endpoint_id: ep.id, reason: 'failing', consecutive_failures: 2, failing_since: expect.any(String) });
    expect(Date.now() - Date.parse((body.data as { failing_since: string }).failing_since)).toBeGreaterThan(60_000);

    // Re-enabled by its owner, it starts a fresh record: the next run leaves it alone.
    expect((await tenant.api('PATCH', `/endpoints/${ep.id}`, { active: true })).body.status).toBe('active');
    expect((await runSchedule<AutoDisableResult>('auto-disable')).disabled).toEqual([]);
    expect((await tenant.api('GET', `/endpoints/${ep.id}`)).body.status).toBe('active');
  });

  it('a 410 Gone disables the endpoint as auto-disable does: its other waiting deliveries end at once, audited', async () => {
    const tenant = await stack.newTenant();
    const r = await receiver((_i, req) => ({ status: JSON.parse(req.body).type === 'order.shipped' ? 410 : 500 }));
    const ep = await createEndpoint(tenant, { url: r.url, event_types: ['order.*'] });
    await publish(tenant, 'order.created', { order: 'o_waiting' });
    // Two failed attempts: the delivery now waits out a 10-minute backoff.
    await waitFor(() => r.requests.length === 2, 20_000, 'two failed attempts');
    const [waiting] = await listDeliveries(tenant, `?endpoint_id=${ep.id}`);
    await waitFor(async () => (await getDelivery(tenant, waiting.id)).next_attempt_at !== null, 5000, 'the backoff to be recorded');

    await publish(tenant, 'order.shipped', { order: 'o_gone' });
    const gone = (await listDeliveries(tenant, `?endpoint_id=${ep.id}&event_type=order.shipped`))[0];
    expect((await waitForDeliveryStatus(tenant, gone.id, 'failed')).failure_reason).toBe('gone');
    expect((await tenant.api('GET', `/endpoints/${ep.id}`)).body).toMatchObject({ status: 'disabled', disabled_reason: 'gone' });

    // The waiting delivery is stopped like the API's disable stops it, and its workflow ends now, not in 10 minutes.
    expect(await getDelivery(tenant, waiting.id)).toMatchObject({ status: 'failed', failure_reason: 'endpoint_disabled', next_attempt_at: null });
    await expect(stack.temporal.workflow.getHandle(deliveryWorkflowId(waiting.id)).result()).resolves.toMatchObject({
      status: 'failed',
      reason: 'endpoint_disabled',
    });
    const entries = await stack.orm.em.fork().find(AuditEntry, { tenantId: tenant.id, resourceId: ep.id, actor: 'system' });
    expect(entries).toHaveLength(1);
    expect(entries[0]!.action).toBe('endpoint.updated');
    expect(entries[0]!.changes).toMatchObject({
      status: { from: 'active', to: 'disabled' },
      disabled_reason: 'gone',
      deliveries_stopped: 1,
      delivery_id: gone.id,
    });
    expect(r.requests).toHaveLength(3);
  });

  it('the retention purge deletes finished deliveries past retention with their attempts, orphaned events, expired idempotency records and long-ended portal sessions', async () => {
    const tenant = await stack.newTenant({ id: tenantIds.retention });
    const r = await receiver();
    const ep = await createEndpoint(tenant, { url: r.url, event_types: ['order.created', 'order.shipped'] });
    const held = await createEndpoint(tenant, { url: r.url, event_types: ['order.created'], status: 'paused' });

    const shared = await publish(tenant, 'order.created', { order: 'o_1' }); // to ep (delivered) and held (pending)
    const alone = await publish(tenant, 'order.shipped', { order: 'o_2' }); // to ep only
    const recent = await publish(tenant, 'order.shipped', { order: 'o_3' });
    await waitFor(() => r.requests.length === 3, 20_000, 'three deliveries');
    const byEvent = async (eventId: string, endpointId: string) =>
      (await listDeliveries(tenant, `?endpoint_id=${endpointId}`)).find((d) => d.event_id === eventId)!;
    const oldShared = await byEvent(shared.id, ep.id);
    const oldHeld = await byEvent(shared.id, held.id);
    const oldAlone = await byEvent(alone.id, ep.id);
    const kept = await byEvent(recent.id, ep.id);
    await waitForDeliveryStatus(tenant, oldAlone.id, 'delivered');
    await waitForDeliveryStatus(tenant, oldShared.id, 'delivered');
    await waitForDeliveryStatus(tenant, kept.id, 'delivered');

    const old = [oldShared.id, oldHeld.id, oldAlone.id];
    await backdate('deliveries', 'created_at', 'id', old, '31 days');
    await backdate('deliveries', 'updated_at', 'id', old, '31 days');
    await backdate('attempts', 'started_at', 'delivery_id', old, '31 days');
    await backdate('events', 'created_at', 'id', [shared.id, alone.id], '31 days');

    const em = stack.orm.em.fork();
    const record = (key: string, expiresAt: Date) =>
      em.create(IdempotencyRecord, {
        id: newId('idempotency'),
        tenantId: tenant.id,
        environment: 'test',
        route: 'POST /events',
        key,
        requestHash: '0'.repeat(64),
        state: 'done',
        lockedAt: new Date(),
        claimToken: '0'.repeat(32),
        responseStatus: 202,
        responseBody: null,
        expiresAt,
      });
    const expired = record('expired-key', new Date(Date.now() - 60_000));
    const live = record('live-key', new Date(Date.now() + 3600_000));
    const portalSession = (expiresAt: Date) =>
      em.create(PortalSession, {
        id: newId('portalSession'),
        tenantId: tenant.id,
        environment: 'test',
        tokenHash: randomBytes(32).toString('hex'),
        readOnly: false,
        eventTypes: null,
        returnUrl: null,
        createdBy: 'test',
        expiresAt,
        revokedAt: null,
      });
    const longEnded = portalSession(new Date(Date.now() - 31 * 24 * 3600_000));
    const recentlyEnded = portalSession(new Date(Date.now() - 3600_000));
    await em.flush();

    const result = await runSchedule<PurgeResult>('retention');
    expect(result.deliveries).toBeGreaterThanOrEqual(2);

    const check = stack.orm.em.fork();
    const remaining = (await check.find(Delivery, { tenantId: tenant.id })).map((d) => d.id).sort();
    // The pending delivery stays however old, and keeps its event.
    expect(remaining).toEqual([oldHeld.id, kept.id].sort());
    expect(await check.count(Attempt, { deliveryId: { $in: [oldShared.id, oldAlone.id] } })).toBe(0);
    expect(await check.count(Attempt, { deliveryId: kept.id })).toBe(1);
    const events = (await check.find(Event, { tenantId: tenant.id })).map((e) => e.id).sort();
    expect(events).toEqual([shared.id, recent.id].sort());
    expect(await check.count(IdempotencyRecord, { id: expired.id })).toBe(0);
    expect(await check.count(IdempotencyRecord, { id: live.id })).toBe(1);
    expect(await check.count(PortalSession, { id: longEnded.id })).toBe(0);
    expect(await check.count(PortalSession, { id: recentlyEnded.id })).toBe(1);
    expect(result.portalSessions).toBeGreaterThanOrEqual(1);
    expect((await tenant.api('GET', `/deliveries/${oldAlone.id}`)).status).toBe(404);
  });
});
