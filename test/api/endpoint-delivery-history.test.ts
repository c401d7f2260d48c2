import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack, type Tenant } from '../helpers/stack.js';
import { startReceiver, waitFor, type ReceivedRequest, type Receiver } from '../helpers/receiver.js';
import { createEndpoint, getDelivery, listDeliveries, publish } from '../helpers/api.js';
import { deliveryWorkflowId } from '../../src/temporal/workflow-ids.js';

let stack: Stack;
const receivers: Receiver[] = [];

// One retry, 2 s after the first failure: a failing delivery is dead-lettered after two attempts.
beforeAll(async () => {
  stack = await startStack({ retrySchedule: [2] });
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await stack?.stop();
});

/** A receiver that fails events whose data says `kind: "fail"` (and test events), and is slow for `kind: "slow"`. */
async function scriptedReceiver(): Promise<Receiver> {
  const r = await startReceiver((_i, req: ReceivedRequest) => {
    const data = (JSON.parse(req.body) as { data: { kind?: string; test?: boolean } }).data;
    if (data.kind === 'fail' || data.test) return { status: 500 };
    if (data.kind === 'slow') return { status: 200, delayMs: 1500 };
    return { status: 200 };
  });
  receivers.push(r);
  return r;
}

/** Waits until the endpoint's deliveries have exactly these statuses (in any order). */
async function waitForStatuses(tenant: Tenant, endpointId: string, statuses: string[]) {
  const want = [...statuses].sort();
  return waitFor(
    async () => {
      const rows = await listDeliveries(tenant, `?endpoint_id=${endpointId}&limit=100`);
      const got = rows.map((d) => d.status as string).sort();
      return JSON.stringify(got) === JSON.stringify(want) ? rows : undefined;
    },
    30_000,
    `deliveries of ${endpointId} to be ${want.join(', ')}`,
  );
}

/** PostgreSQL's percentile_cont: linear interpolation between the closest ranks. */
function percentileCont(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = fraction * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

async function auditEntries(tenant: Tenant, action: string): Promise<any[]> {
  const res = await fetch(`${stack.apiUrl}/manage/v1/audit-log?action=${encodeURIComponent(action)}`, {
    headers: { authorization: `Bearer ${tenant.apiKey}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: any[] }).data;
}

async function attemptRows(deliveryId: string): Promise<number> {
  const [row] = await stack.orm.em
    .fork()
    .execute<{ n: number }[]>('select count(*)::int as n from attempts where delivery_id = ?', [deliveryId]);
  return row!.n;
}

describe('GET /endpoints/{id}/stats', () => {
  it('counts deliveries by status and measures attempt latency over the window', async () => {
    const tenant = await stack.newTenant();
    const recv = await scriptedReceiver();
    const ep = await createEndpoint(tenant, { url: recv.url });

    const empty = await tenant.api('GET', `/endpoints/${ep.id}/stats`);
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({
      object: 'endpoint_stats',
      endpoint_id: ep.id,
      window: '24h',
      counts: { pending: 0, delivered: 0, failed: 0, dead_letter: 0 },
      total: 0,
      success_rate: null,
      attempts: { count: 0, latency_ms: { p50: null, p95: null, p99: null } },
      last_success_at: null,
      last_failure_at: null,
    });
    expect(empty.body.series).toHaveLength(24);
    expect(empty.body.series.every((b: { attempts: number }) => b.attempts === 0)).toBe(true);

    for (const kind of ['ok', 'ok', 'ok', 'fail', 'slow']) await publish(tenant, 'order.created', { kind });
    const early = (await tenant.api('GET', `/endpoints/${ep.id}/stats`)).body;
    expect(early.total).toBe(5);
    expect(early.counts.pending).toBeGreaterThanOrEqual(1);

    const rows = await waitForStatuses(tenant, ep.id, ['delivered', 'delivered', 'delivered', 'delivered', 'dead_letter']);
    const details = await Promise.all(rows.map((d) => getDelivery(tenant, d.id)));
    const attempts = details.flatMap((d) => d.attempts as { started_at: string; duration_ms: number; response_status: number | null }[]);
    expect(attempts).toHaveLength(6);
    const durations = attempts.map((a) => a.duration_ms);
    const latest = (ok: boolean) =>
      attempts
        .filter((a) => (a.response_status !== null && a.response_status < 300) === ok)
        .map((a) => a.started_at)
        .sort()
        .at(-1);

    const res = await tenant.api('GET', `/endpoints/${ep.id}/stats?window=24h`);
    expect(res.status).toBe(200);
    const stats = res.body;
    expect(stats.counts).toEqual({ pending: 0, delivered: 4, failed: 0, dead_letter: 1 });
    expect(stats.total).toBe(5);
    expect(stats.success_rate).toBeCloseTo(0.8, 10);
    expect(stats.attempts.count).toBe(6);
    for (const [name, fraction] of [['p50', 0.5], ['p95', 0.95], ['p99', 0.99]] as const) {
      expect(stats.attempts.latency_ms[name], name).toBeCloseTo(percentileCont(durations, fraction), 6);
    }
    expect(stats.attempts.latency_ms.p99).toBeGreaterThanOrEqual(1400);
    expect(stats.last_success_at).toBe(latest(true));
    expect(stats.last_failure_at).toBe(latest(false));
    expect(Date.parse(stats.since)).toBeLessThan(Date.now() - 23 * 3600_000);
    // The series: 24 hour-long buckets from `since`, the attempts of each, empty ones included.
    expect(stats.series).toHaveLength(24);
    expect(stats.series.map((b: { start: string }) => Date.parse(b.start) - Date.parse(stats.since))).toEqual(
      Array.from({ length: 24 }, (_, i) => i * 3600_000),
    );
    expect(stats.series.reduce((n: number, b: { attempts: number }) => n + b.attempts, 0)).toBe(6);
    expect(stats.series.reduce((n: number, b: { succeeded: number }) => n + b.succeeded, 0)).toBe(4);
    const current = stats.series.at(-1);
    expect(current).toMatchObject({ attempts: 6, succeeded: 4 });
    expect(current.success_rate).toBeCloseTo(4 / 6, 10);
    expect(current.latency_ms.p50).toBeCloseTo(percentileCont(durations, 0.5), 6);
    expect(current.latency_ms.p95).toBeCloseTo(percentileCont(durations, 0.95), 6);
    expect(stats.series[0]).toMatchObject({ attempts: 0, succeeded: 0, success_rate: null, latency_ms: { p50: null, p95: null } });

    // Move one delivered delivery and its attempt two hours back: a 1 h window leaves it out.
    const old = details.find((d) => d.status === 'delivered' && d.attempts[0].duration_ms < 1000)!;
    const em = stack.orm.em.fork();
    await em.execute(`update deliveries set created_at = created_at - interval '2 hours' where id = ?`, [old.id]);
    await em.execute(`update attempts set started_at = started_at - interval '2 hours' where delivery_id = ?`, [old.id]);
    const hour = (await tenant.api('GET', `/endpoints/${ep.id}/stats?window=1h`)).body;
    expect(hour.window).toBe('1h');
    expect(hour.counts).toEqual({ pending: 0, delivered: 3, failed: 0, dead_letter: 1 });
    expect(hour.total).toBe(4);
    expect(hour.success_rate).toBeCloseTo(0.75, 10);
    expect(hour.attempts.count).toBe(5);
    // Buckets of 2.5 minutes: the moved attempt is in none of them.
    expect(Date.parse(hour.series[1].start) - Date.parse(hour.series[0].start)).toBe(150_000);
    expect(hour.series.reduce((n: number, b: { attempts: number }) => n + b.attempts, 0)).toBe(5);
    const minutes = (await tenant.api('GET', `/endpoints/${ep.id}/stats?window=180m`)).body;
    expect(minutes.total).toBe(5);
    expect((await tenant.api('GET', `/endpoints/${ep.id}/stats?window=90d`)).body.attempts.count).toBe(6);
  });

  it('rejects a malformed or too long window and unknown parameters with 422', async () => {
    const tenant = await stack.newTenant();
    const ep = await createEndpoint(tenant, { url: 'http://127.0.0.1:9/hook' });
    for (const window of ['0h', '91d', '2161h', '24', 'h', '24x', '-1h', '1.5h', '24H', '']) {
      const res = await tenant.api('GET', `/endpoints/${ep.id}/stats?window=${encodeURIComponent(window)}`);
      expect(res.status, window).toBe(422);
      expect(res.body.error.detail.map((d: { loc: string[] }) => d.loc)).toEqual([['query', 'window']]);
    }
    const unknown = await tenant.api('GET', `/endpoints/${ep.id}/stats?since=2024-01-01`);
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.detail.map((d: { loc: string[] }) => d.loc)).toEqual([['query', 'since']]);
  });
});

describe('DELETE /endpoints/{id}/deliveries', () => {
  it('purges finished deliveries with their attempts and keeps the ones under way', async () => {
    const tenant = await stack.newTenant();
    const [recv, otherRecv] = await Promise.all([scriptedReceiver(), scriptedReceiver()]);
    const ep = await createEndpoint(tenant, { url: recv.url, event_types: ['order.*'] });
    const other = await createEndpoint(tenant, { url: otherRecv.url, event_types: ['invoice.paid'] });

    await publish(tenant, 'order.created', { kind: 'ok' });
    await publish(tenant, 'order.shipped', { kind: 'ok' });
    await publish(tenant, 'order.created', { kind: 'fail' });
    await publish(tenant, 'invoice.paid', { kind: 'ok' });
    expect((await tenant.api('POST', `/endpoints/${ep.id}/test`)).status).toBe(201);
    const finished = await waitForStatuses(tenant, ep.id, ['delivered', 'delivered', 'dead_letter', 'failed']);
    const [otherDelivery] = await waitForStatuses(tenant, other.id, ['delivered']);

    // A paused endpoint holds its new delivery: it stays pending through the purge.
    expect((await tenant.api('PATCH', `/endpoints/${ep.id}`, { status: 'paused' })).status).toBe(200);
    await publish(tenant, 'order.created', { kind: 'ok' });
    const [held] = (await listDeliveries(tenant, `?endpoint_id=${ep.id}&status=pending`)) as { id: string }[];
    expect(held).toBeDefined();
    const workflow = stack.temporal.workflow.getHandle(deliveryWorkflowId(held!.id));
    // The query fails until the dispatcher has started the workflow.
    const phase = () => workflow.query<{ phase: string }>('status').then((s) => s.phase, () => undefined);
    await waitFor(async () => (await phase()) === 'held', 20_000, 'the delivery to be held');

    const purged = await tenant.api('DELETE', `/endpoints/${ep.id}/deliveries`);
    expect(purged.status).toBe(200);
    expect(purged.body).toEqual({ deleted: 4 });

    expect((await listDeliveries(tenant, `?endpoint_id=${ep.id}`)).map((d) => d.id)).toEqual([held!.id]);
    for (const d of finished) {
      expect((await tenant.api('GET', `/deliveries/${d.id}`)).status).toBe(404);
      expect(await attemptRows(d.id)).toBe(0);
    }
    expect((await getDelivery(tenant, otherDelivery.id)).attempts).toHaveLength(1);
    const [entry] = await auditEntries(tenant, 'endpoint.deliveries_purged');
    expect(entry).toMatchObject({ resource_type: 'endpoint', resource_id: ep.id, changes: { deleted: 4 } });

    // The kept delivery is whole: resumed, it is delivered, and a second purge takes it.
    expect((await tenant.api('PATCH', `/endpoints/${ep.id}`, { status: 'active' })).status).toBe(200);
    await waitForStatuses(tenant, ep.id, ['delivered']);
    expect((await tenant.api('DELETE', `/endpoints/${ep.id}/deliveries`)).body).toEqual({ deleted: 1 });
    expect((await tenant.api('DELETE', `/endpoints/${ep.id}/deliveries`)).body).toEqual({ deleted: 0 });
    expect(await listDeliveries(tenant, `?endpoint_id=${other.id}`)).toHaveLength(1);
  });
});
