import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { waitForDeliveryStatus } from '../helpers/api.js';

let stack: Stack;
let receiver: Receiver;

beforeAll(async () => {
  stack = await startStack({ retrySchedule: [1] });
  // Fails everything until told otherwise, so there is a failed delivery to replay.
  let healthy = false;
  receiver = await startReceiver(() => ({ status: healthy ? 200 : 500 }));
  (receiver as Receiver & { heal(): void }).heal = () => {
    healthy = true;
  };
});
afterAll(async () => {
  await receiver?.close();
  await stack?.stop();
});

/** The requests of seed 000, in its order, with its bodies (the URL points at a loopback receiver). */
describe('seed 000 as written', () => {
  it('serves every request of the Modelux webhooks document', async () => {
    const t = await stack.newTenant();

    // Create an endpoint — the seed's body; returns a generated signing_secret.
    const created = await t.api('POST', '/endpoints', {
      url: receiver.url,
      event_types: ['budget.threshold_reached', 'routing_config.updated'],
      description: 'Production webhook',
    });
    expect(created.status).toBe(201);
    expect(created.body.signing_secret).toMatch(/^whsec_/);
    const id = created.body.id as string;

    // List endpoints / get an endpoint.
    const list = await t.api('GET', '/endpoints');
    expect(list.body.data.map((e: { id: string }) => e.id)).toContain(id);
    expect((await t.api('GET', `/endpoints/${id}`)).body.description).toBe('Production webhook');

    // Update: url, event_types, description and the active flag.
    const updated = await t.api('PATCH', `/endpoints/${id}`, {
      url: receiver.url,
      event_types: ['budget.threshold_reached'],
      description: 'Budget alerts',
      active: true,
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ event_types: ['budget.threshold_reached'], description: 'Budget alerts', active: true });

    // Rotate signing secret: a new one, returned once.
    const rotated = await t.api('POST', `/endpoints/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.signing_secret).toMatch(/^whsec_/);
    expect(rotated.body.signing_secret).not.toBe(created.body.signing_secret);

    // Send test event — the seed's body.
    const test = await t.api('POST', `/endpoints/${id}/test`, { event_type: 'budget.threshold_reached' });
    expect(test.status).toBe(201);
    const failedTest = await waitForDeliveryStatus(t, test.body.id, 'failed');
    expect(failedTest.event_type).toBe('budget.threshold_reached');

    // A real event too, dead-lettered by the failing receiver.
    const published = await t.api('POST', '/events', { type: 'budget.threshold_reached', data: { budget_id: 'b_1', threshold_percent: 90, spent: 900, limit: 1000 } });
    expect(published.status).toBe(202);
    const [real] = (await t.api('GET', `/deliveries?endpoint_id=${id}&event_type=budget.threshold_reached&limit=1`)).body.data;
    await waitForDeliveryStatus(t, real.id, 'dead_letter');

    // List deliveries with each filter of the seed: endpoint_id, status, event_type, cursor.
    const byEndpoint = (await t.api('GET', `/deliveries?endpoint_id=${id}`)).body;
    expect(byEndpoint.data).toHaveLength(2);
    const byStatus = (await t.api('GET', '/deliveries?status=failed')).body;
    expect(byStatus.data.map((d: { id: string }) => d.id)).toEqual([test.body.id]);
    expect((await t.api('GET', '/deliveries?status=pending')).body.data).toHaveLength(0);
    const byType = (await t.api('GET', '/deliveries?event_type=budget.threshold_reached')).body;
    expect(byType.data).toHaveLength(2);
    const page1 = (await t.api('GET', '/deliveries?limit=1')).body;
    const page2 = (await t.api('GET', `/deliveries?limit=1&cursor=${page1.next_cursor}`)).body;
    expect(page1.has_more).toBe(true);
    expect(page2.data[0].id).not.toBe(page1.data[0].id);

    // Get a delivery: payload, response status, response body and attempt history.
    const detail = (await t.api('GET', `/deliveries/${real.id}`)).body;
    expect(detail.payload).toMatchObject({ type: 'budget.threshold_reached', data: { budget_id: 'b_1' } });
    expect(detail.last_response_status).toBe(500);
    expect(detail.attempts[0]).toMatchObject({ response_status: 500, response_body: 'ok' });

    // Replay a delivery after fixing the outage.
    (receiver as Receiver & { heal(): void }).heal();
    const replay = await t.api('POST', `/deliveries/${real.id}/replay`);
    expect(replay.status).toBe(201);
    expect(replay.body.replay_of).toBe(real.id);
    await waitForDeliveryStatus(t, replay.body.id, 'delivered');

    // List event types: every type with a short description.
    const types = (await t.api('GET', '/event-types')).body.data as { name: string; description: string }[];
    expect(types.map((x) => x.name)).toEqual(expect.arrayContaining(['budget.threshold_reached', 'routing_config.updated']));
    for (const type of types) expect(type.description.length).toBeGreaterThan(0);

    // Delete: soft delete; the deliveries stay readable.
    const deleted = await t.api('DELETE', `/endpoints/${id}`);
    expect(deleted.body).toMatchObject({ id, deleted: true });
    expect((await t.api('GET', `/endpoints/${id}`)).status).toBe(404);
    expect((await t.api('GET', `/deliveries/${replay.body.id}`)).body.status).toBe('delivered');
  });
});
