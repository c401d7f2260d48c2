import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { startStack, type Stack, type Tenant } from '../helpers/stack.js';
import { receiverPool, waitFor } from '../helpers/receiver.js';
import { createEndpoint, deliverOne, getDelivery, listDeliveries, publish, waitForDeliveryStatus } from '../helpers/api.js';

let stack: Stack;
const receivers = receiverPool();
const receiver = receivers.start;

beforeAll(async () => {
  // One retry a second after the first attempt: a failing receiver dead-letters in about a second.
  stack = await startStack({ retrySchedule: [1] });
});
afterAll(async () => {
  await receivers.closeAll();
  await stack?.stop();
});

/** A receiver that answers 500 until `fix()` is called, then 200. */
async function brokenReceiver() {
  const state = { fixed: false };
  const r = await receiver(() => ({ status: state.fixed ? 200 : 500 }));
  return { receiver: r, fix: () => (state.fixed = true) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function deadLetteredDelivery(tenant: Tenant) {
  const broken = await brokenReceiver();
  const one = await deliverOne(tenant, broken.receiver.url, { order: 'o_1' });
  await waitForDeliveryStatus(tenant, one.deliveryId, 'dead_letter');
  return { ...one, ...broken };
}

describe('POST /deliveries/{id}/replay', () => {
  it('replays a dead-lettered delivery as a new delivery with the same webhook-id, delivered once the receiver is fixed', async () => {
    const tenant = await stack.newTenant();
    const { endpoint, event, deliveryId, receiver: r, fix } = await deadLetteredDelivery(tenant);
    expect(r.requests).toHaveLength(2);
    fix();

    const res = await tenant.api('POST', `/deliveries/${deliveryId}/replay`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      object: 'delivery',
      replay_of: deliveryId,
      event_id: event.id,
      endpoint_id: endpoint.id,
      event_type: 'order.created',
      status: 'pending',
      attempt_count: 0,
    });
    expect(res.body.id).not.toBe(deliveryId);

    const done = await waitForDeliveryStatus(tenant, res.body.id, 'delivered');
    expect(done.replay_of).toBe(deliveryId);
    expect(done.payload).toMatchObject({ type: 'order.created', data: { order: 'o_1' } });
    expect(r.requests).toHaveLength(3);
    // The receiver sees the event id on the original attempts and on the replay alike.
    expect(r.requests.map((q) => q.headers['webhook-id'])).toEqual([event.id, event.id, event.id]);
    expect(r.requests[2]!.body).toBe(r.requests[0]!.body);
    expect(() => new Webhook(endpoint.signing_secret).verify(r.requests[2]!.body, r.requests[2]!.headers)).not.toThrow();

    // The original stays as it ended.
    expect((await getDelivery(tenant, deliveryId)).status).toBe('dead_letter');
  });

  it('refuses a pending delivery with 422 delivery_in_flight and a delivered one with 422 invalid_state', async () => {
    const tenant = await stack.newTenant();
    const r = await receiver();
    // A paused endpoint holds its delivery: pending for as long as the test needs.
    const held = await deliverOne(tenant, r.url, { n: 1 }, { status: 'paused' });
    expect((await getDelivery(tenant, held.deliveryId)).status).toBe('pending');
    const inFlight = await tenant.api('POST', `/deliveries/${held.deliveryId}/replay`);
    expect(inFlight.status).toBe(422);
    expect(inFlight.body.error.type).toBe('delivery_in_flight');

    const sent = await deliverOne(tenant, r.url, { n: 2 });
    await waitForDeliveryStatus(tenant, sent.deliveryId, 'delivered');
    const delivered = await tenant.api('POST', `/deliveries/${sent.deliveryId}/replay`);
    expect(delivered.status).toBe(422);
    expect(delivered.body.error.type).toBe('invalid_state');
    const retried = await tenant.api('POST', `/deliveries/${sent.deliveryId}/retry`);
    expect(retried.status).toBe(422);
    expect(retried.body.error.type).toBe('invalid_state');

    // Nothing new was created by the refused calls.
    expect((await listDeliveries(tenant)).filter((d) => d.replay_of)).toHaveLength(0);
  });

  it('refuses to replay to a disabled endpoint; once enabled, recover sends what was recorded while it was off', async () => {
    const tenant = await stack.newTenant();
    const r = await receiver();
    const since = new Date(Date.now() - 1000).toISOString();
    const off = await deliverOne(tenant, r.url, { n: 1 }, { status: 'disabled' });
    const recorded = await getDelivery(tenant, off.deliveryId);
    expect(recorded).toMatchObject({ status: 'failed', failure_reason: 'endpoint_disabled', attempt_count: 0 });

    const replay = await tenant.api('POST', `/deliveries/${off.deliveryId}/replay`);
    expect(replay.status).toBe(422);
    expect(replay.body.error.type).toBe('endpoint_disabled');
    const recover = await tenant.api('POST', `/endpoints/${off.endpoint.id}/recover`, { since });
    expect(recover.status).toBe(422);
    expect(recover.body.error.type).toBe('endpoint_disabled');

    expect((await tenant.api('PATCH', `/endpoints/${off.endpoint.id}`, { active: true })).status).toBe(200);
    const recovered = await tenant.api('POST', `/endpoints/${off.endpoint.id}/recover`, { since });
    expect(recovered.status, JSON.stringify(recovered.body)).toBe(200);
    expect(recovered.body).toEqual({ replayed: 1 });
    await waitFor(() => r.requests.length === 1, 20_000, 'the recovered delivery');
    expect(r.requests[0]!.headers['webhook-id']).toBe(off.event.id);
  });

  it('honours Idempotency-Key: the same key replays the first answer and creates one delivery', async () => {
    const tenant = await stack.newTenant();
    const { deliveryId } = await deadLetteredDelivery(tenant);
    const headers = { 'idempotency-key': `replay-${deliveryId}` };
    const first = await tenant.api('POST', `/deliveries/${deliveryId}/replay`, undefined, headers);
    expect(first.status).toBe(201);
    const second = await tenant.api('POST', `/deliveries/${deliveryId}/replay`, undefined, headers);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.id).toBe(first.body.id);
    const all = await listDeliveries(tenant);
    expect(all.filter((d) => d.replay_of === deliveryId)).toHaveLength(1);
  });
});

describe('POST /deliveries/{id}/retry of a finished delivery', () => {
  it('replays a dead-lettered delivery (201 with the new delivery)', async () => {
    const tenant = await stack.newTenant();
    const { event, deliveryId, receiver: r, fix } = await deadLetteredDelivery(tenant);
    fix();
    const res = await tenant.api('POST', `/deliveries/${deliveryId}/retry`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.replay_of).toBe(deliveryId);
    expect(res.body.id).not.toBe(deliveryId);
    await waitForDeliveryStatus(tenant, res.body.id, 'delivered');
    expect(r.requests.at(-1)!.headers['webhook-id']).toBe(event.id);
  });
});

describe('POST /endpoints/{id}/recover', () => {
  it('replays each failed or dead-lettered original in the window exactly once', async () => {
    const tenant = await stack.newTenant();
    const state = { fixed: false };
    // Events with `fail: true` fail until the receiver is fixed; the others are accepted.
    const r = await receiver((_i, req) => ({ status: state.fixed || !JSON.parse(req.body).data.fail ? 200 : 500 }));
    const endpoint = await createEndpoint(tenant, { url: r.url });
    const settle = async () => {
      await waitFor(
        async () => (await listDeliveries(tenant, `?endpoint_id=${endpoint.id}&status=pending`)).length === 0,
        30_000,
        'every delivery to end',
      );
    };

    const before = await publish(tenant, 'order.created', { n: 0, fail: true });
    await settle();
    await sleep(50);
    const since = new Date().toISOString();
    const inWindow = [
      await publish(tenant, 'order.created', { n: 1, fail: true }),
      await publish(tenant, 'order.created', { n: 2, fail: false }),
      await publish(tenant, 'order.created', { n: 3, fail: true }),
    ];
    await settle();
    await sleep(50);
    const until = new Date().toISOString();
    await sleep(50);
    const after = await publish(tenant, 'order.created', { n: 4, fail: true });
    await settle();

    const originals = await listDeliveries(tenant, `?endpoint_id=${endpoint.id}&limit=100`);
    const byEvent = new Map(originals.map((d) => [d.event_id as string, d]));
    expect(byEvent.get(inWindow[0]!.id).status).toBe('dead_letter');
    expect(byEvent.get(inWindow[1]!.id).status).toBe('delivered');
    expect(byEvent.get(inWindow[2]!.id).status).toBe('dead_letter');
    state.fixed = true;

    const first = await tenant.api('POST', `/endpoints/${endpoint.id}/recover`, { since, until });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toEqual({ replayed: 2 });
    const replays = (await listDeliveries(tenant, `?endpoint_id=${endpoint.id}&limit=100`)).filter((d) => d.replay_of);
    expect(replays.map((d) => d.replay_of).sort()).toEqual(
      [byEvent.get(inWindow[0]!.id).id, byEvent.get(inWindow[2]!.id).id].sort(),
    );
    for (const replay of replays) await waitForDeliveryStatus(tenant, replay.id, 'delivered');

    const again = await tenant.api('POST', `/endpoints/${endpoint.id}/recover`, { since, until });
    expect(again.body).toEqual({ replayed: 0 });

    // Up to now (no `until`): only the one after the window is new; the two replayed are not sent twice.
    const toNow = await tenant.api('POST', `/endpoints/${endpoint.id}/recover`, { since });
    expect(toNow.body).toEqual({ replayed: 1 });
    const all = await listDeliveries(tenant, `?endpoint_id=${endpoint.id}&limit=100`);
    const replayed = all.filter((d) => d.replay_of).map((d) => all.find((o) => o.id === d.replay_of)?.event_id);
    expect(replayed.sort()).toEqual([inWindow[0]!.id, inWindow[2]!.id, after.id].sort());
    expect(replayed).not.toContain(before.id);
  });

  it('rejects unknown fields and bad or empty windows with 422 and the location', async () => {
    const tenant = await stack.newTenant();
    const endpoint = await createEndpoint(tenant, { url: 'http://127.0.0.1:9/hook' });
    const path = `/endpoints/${endpoint.id}/recover`;
    const locs = async (body: unknown) => {
      const res = await tenant.api('POST', path, body);
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      return res.body.error.detail.map((d: { loc: string[] }) => d.loc.join('.'));
    };
    expect(await locs({})).toEqual(['body.since']);
    expect(await locs({ since: 'yesterday' })).toEqual(['body.since']);
    expect(await locs({ since: '2024-01-02T00:00:00Z', until: '2024-01-01T00:00:00Z' })).toEqual(['body.until']);
    expect(await locs({ since: '2024-01-01T00:00:00Z', until: '2024-01-01T00:00:00Z' })).toEqual(['body.until']);
    expect(await locs({ since: '2024-01-01T00:00:00Z', limit: 5 })).toEqual(['body.limit']);
    expect(await locs({ since: new Date(Date.now() + 3_600_000).toISOString() })).toEqual(['body.since']);

    const { deliveryId } = await deliverOne(tenant, 'http://127.0.0.1:9/hook');
    const replay = await tenant.api('POST', `/deliveries/${deliveryId}/replay`, { force: true });
    expect(replay.status).toBe(422);
    expect(replay.body.error.detail[0].loc).toEqual(['body', 'force']);
    const retry = await tenant.api('POST', `/deliveries/${deliveryId}/retry`, { now: true });
    expect(retry.status).toBe(422);
    expect(retry.body.error.detail[0].loc).toEqual(['body', 'now']);
  });
});

describe("another tenant's deliveries and endpoints", () => {
  it('are 404 on replay, retry and recover', async () => {
    const owner = await stack.newTenant();
    const other = await stack.newTenant();
    const { endpoint, deliveryId } = await deadLetteredDelivery(owner);
    const since = new Date(Date.now() - 60_000).toISOString();

    for (const [path, body] of [
      [`/deliveries/${deliveryId}/replay`, undefined],
      [`/deliveries/${deliveryId}/retry`, undefined],
      [`/endpoints/${endpoint.id}/recover`, { since }],
      ['/deliveries/dlv_01JZZZZZZZZZZZZZZZZZZZZZZZ/replay', undefined],
      ['/deliveries/dlv_01JZZZZZZZZZZZZZZZZZZZZZZZ/retry', undefined],
      ['/endpoints/ep_01JZZZZZZZZZZZZZZZZZZZZZZZ/recover', { since }],
    ] as const) {
      const res = await other.api('POST', path, body);
      expect(res.status, path).toBe(404);
      expect(res.body.error.type).toBe('not_found');
    }
    // Nothing was replayed on the owner's side.
    expect(await listDeliveries(owner)).toHaveLength(1);
  });
});

describe('POST /deliveries/{id}/retry of a delivery waiting out a long backoff', () => {
  let slow: Stack;
  beforeAll(async () => {
    slow = await startStack({ retrySchedule: [60] });
  });
  afterAll(async () => {
    await slow?.stop();
  });

  it('attempts it now (202) instead of after the backoff', async () => {
    const tenant = await slow.newTenant();
    const r = await receiver((i) => ({ status: i === 0 ? 500 : 200 }));
    const { event, deliveryId } = await deliverOne(tenant, r.url);
    const waiting = await waitFor(
      async () => {
        const d = await getDelivery(tenant, deliveryId);
        return d.status === 'pending' && d.attempt_count === 1 && d.next_attempt_at ? d : undefined;
      },
      15_000,
      'the first attempt to fail and a retry to be scheduled',
    );
    // The backoff is 60 s ± 20 %.
    expect(Date.parse(waiting.next_attempt_at) - Date.now()).toBeGreaterThan(30_000);

    const retriedAt = Date.now();
    const res = await tenant.api('POST', `/deliveries/${deliveryId}/retry`);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ id: deliveryId, status: 'pending', replay_of: null });

    const done = await waitForDeliveryStatus(tenant, deliveryId, 'delivered', 15_000);
    expect(done.attempt_count).toBe(2);
    expect(r.requests).toHaveLength(2);
    expect(r.requests[1]!.receivedAt - retriedAt).toBeLessThan(10_000);
    expect(r.requests[1]!.headers['webhook-id']).toBe(event.id);
    // Retrying a pending delivery creates no new delivery.
    expect(await listDeliveries(tenant)).toHaveLength(1);
  });
});
