import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack, type Tenant } from '../helpers/stack.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { listDeliveries, publish, waitForDeliveryStatus } from '../helpers/api.js';
import { createApiKey } from '../../src/services/api-keys.js';

let stack: Stack;
const receivers: Receiver[] = [];

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await stack?.stop();
});

interface AuditEntry {
  id: string;
  object: string;
  actor: string;
  action: string;
  resource_type: string;
  resource_id: string;
  changes: Record<string, unknown>;
  request_id: string | null;
  created_at: string;
}

async function auditLog(tenant: Tenant, query = '') {
  const res = await fetch(`${stack.apiUrl}/manage/v1/audit-log${query}`, { headers: { authorization: `Bearer ${tenant.apiKey}` } });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) };
}

async function entries(tenant: Tenant, query = '?limit=100'): Promise<AuditEntry[]> {
  const res = await auditLog(tenant, query);
  expect(res.status, res.text).toBe(200);
  return res.body.data;
}

const requestId = (res: { headers: Headers }) => res.headers.get('x-request-id');

describe('GET /manage/v1/audit-log', () => {
  it('records endpoint creation, update and a replay with their resources and request ids, and no secret', async () => {
    const tenant = await stack.newTenant();
    // 410 Gone fails the first delivery and disables the endpoint; re-enabled, the replay goes through.
    const r = await startReceiver((i) => ({ status: i === 0 ? 410 : 200 }));
    receivers.push(r);

    const created = await tenant.api('POST', '/endpoints', { url: r.url, description: 'Billing' });
    expect(created.status).toBe(201);
    const endpoint = created.body as { id: string; signing_secret: string };
    await publish(tenant, 'order.created', { n: 1 });
    const [original] = await listDeliveries(tenant, `?endpoint_id=${endpoint.id}`);
    await waitForDeliveryStatus(tenant, original.id, 'failed');

    const patched = await tenant.api('PATCH', `/endpoints/${endpoint.id}`, { active: true, description: 'Billing v2' });
    expect(patched.status).toBe(200);
    const replayed = await tenant.api('POST', `/deliveries/${original.id}/replay`);
    expect(replayed.status).toBe(201);
    await waitForDeliveryStatus(tenant, replayed.body.id, 'delivered');

    // A caller-supplied secret must stay out of the log too.
    const ownSecret = `whsec_${randomBytes(32).toString('base64')}`;
    const second = await tenant.api('POST', '/endpoints', { url: r.url, secret: ownSecret });
    expect(second.status).toBe(201);

    const log = await auditLog(tenant, '?limit=100');
    expect(log.status).toBe(200);
    const data = log.body.data as AuditEntry[];
    // Other writers (the verification handshake, the worker) may add entries of their own; find ours.
    const find = (action: string, resourceId: string) => {
      const found = data.filter((e) => e.action === action && e.resource_id === resourceId && e.actor !== 'system');
      expect(found, `${action} of ${resourceId}`).toHaveLength(1);
      return found[0]!;
    };
    const create = find('endpoint.created', endpoint.id);
    const update = find('endpoint.updated', endpoint.id);
    const replay = find('delivery.replayed', original.id);
    const createdSecond = find('endpoint.created', second.body.id);
    const order = [createdSecond, replay, update, create].map((e) => data.indexOf(e));
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(create).toMatchObject({
      object: 'audit_entry',
      resource_type: 'endpoint',
      resource_id: endpoint.id,
      request_id: requestId(created),
      actor: expect.stringMatching(/^api_key:key_/),
    });
    expect(create.changes).toMatchObject({ url: r.url, description: 'Billing' });
    expect(update).toMatchObject({ resource_type: 'endpoint', resource_id: endpoint.id, request_id: requestId(patched) });
    expect(update.changes).toMatchObject({ description: 'Billing v2', status: { from: 'disabled', to: 'active' } });
    // The 410 disabled the endpoint as the worker: audited like any other disable.
    const gone = data.filter((e) => e.action === 'endpoint.updated' && e.resource_id === endpoint.id && e.actor === 'system');
    expect(gone).toHaveLength(1);
    expect(gone[0]!.changes).toMatchObject({ status: { from: 'active', to: 'disabled' }, disabled_reason: 'gone', delivery_id: original.id });
    expect(data.indexOf(gone[0]!)).toBeGreaterThan(data.indexOf(update));
    expect(replay).toMatchObject({
      resource_type: 'delivery',
      resource_id: original.id,
      request_id: requestId(replayed),
      changes: { replay_of: original.id, replay_id: replayed.body.id },
    });
    expect(createdSecond).toMatchObject({ resource_id: second.body.id, request_id: requestId(second) });
    for (const e of data) {
      expect(e.id).toMatch(/^aud_/);
      expect(Number.isNaN(Date.parse(e.created_at))).toBe(false);
    }

    for (const secret of [endpoint.signing_secret, ownSecret]) {
      expect(log.text).not.toContain(secret);
      expect(log.text).not.toContain(secret.slice('whsec_'.length));
    }
  });

  it('filters by resource, type, action and time', async () => {
    const tenant = await stack.newTenant();
    const a = await tenant.api('POST', '/endpoints', { url: 'http://127.0.0.1:9/a' });
    const b = await tenant.api('POST', '/endpoints', { url: 'http://127.0.0.1:9/b' });
    await tenant.api('PATCH', `/endpoints/${a.body.id}`, { description: 'x' });
    const all = await entries(tenant);
    expect(all).toHaveLength(3);

    const ofA = await entries(tenant, `?resource_id=${a.body.id}`);
    expect(ofA.map((e) => e.action)).toEqual(['endpoint.updated', 'endpoint.created']);
    const updates = await entries(tenant, '?action=endpoint.updated');
    expect(updates.map((e) => e.resource_id)).toEqual([a.body.id]);
    expect(await entries(tenant, '?resource_type=endpoint')).toHaveLength(3);
    expect(await entries(tenant, '?resource_type=delivery')).toHaveLength(0);
    expect((await entries(tenant, `?resource_id=${b.body.id}&action=endpoint.created`)).map((e) => e.resource_id)).toEqual([b.body.id]);

    const oldest = all.at(-1)!.created_at;
    const newest = all[0]!.created_at;
    expect(await entries(tenant, `?after=${encodeURIComponent(oldest)}`)).toHaveLength(3);
    expect(await entries(tenant, `?before=${encodeURIComponent(oldest)}`)).toHaveLength(0);
    const later = new Date(Date.parse(newest) + 1).toISOString();
    expect(await entries(tenant, `?after=${encodeURIComponent(later)}`)).toHaveLength(0);
    expect(await entries(tenant, `?before=${encodeURIComponent(later)}`)).toHaveLength(3);
  });

  it('walks every entry once, newest first, forwards with next_cursor and back with ending_before', async () => {
    const tenant = await stack.newTenant();
    const ep = await tenant.api('POST', '/endpoints', { url: 'http://127.0.0.1:9/hook' });
    for (let i = 0; i < 6; i++) {
      expect((await tenant.api('PATCH', `/endpoints/${ep.body.id}`, { description: `v${i}` })).status).toBe(200);
    }
    const all = await entries(tenant);
    expect(all).toHaveLength(7);
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort().reverse());

    const pages: AuditEntry[][] = [];
    let cursor: string | null = null;
    do {
      const res = await auditLog(tenant, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      pages.push(res.body.data);
      expect(res.body.has_more).toBe(res.body.next_cursor !== null);
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2, 1]);
    expect(pages.flat().map((e) => e.id)).toEqual(all.map((e) => e.id));

    const back = await auditLog(tenant, `?limit=2&ending_before=${all[4]!.id}`);
    expect(back.body.data.map((e: AuditEntry) => e.id)).toEqual([all[2]!.id, all[3]!.id]);
    const forward = await auditLog(tenant, `?limit=3&starting_after=${all[1]!.id}`);
    expect(forward.body.data.map((e: AuditEntry) => e.id)).toEqual(all.slice(2, 5).map((e) => e.id));
  });

  it("shows another tenant nothing of a tenant's log", async () => {
    const owner = await stack.newTenant();
    const other = await stack.newTenant();
    const ep = await owner.api('POST', '/endpoints', { url: 'http://127.0.0.1:9/hook' });
    expect(await entries(owner)).toHaveLength(1);
    expect(await entries(other)).toHaveLength(0);
    expect(await entries(other, `?resource_id=${ep.body.id}`)).toHaveLength(0);
    // The same tenant's live environment keeps a log of its own.
    const { key } = await createApiKey(stack.orm.em.fork(), { tenantId: owner.id, environment: 'live', scopes: ['manage_webhooks'] });
    expect(await entries({ ...owner, apiKey: key })).toHaveLength(0);
  });

  it('rejects unknown or bad query parameters with 422 and needs manage_webhooks', async () => {
    const tenant = await stack.newTenant();
    const unknown = await auditLog(tenant, '?surprise=1');
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.detail[0].loc).toEqual(['query', 'surprise']);
    const badTime = await auditLog(tenant, '?after=yesterday');
    expect(badTime.status).toBe(422);
    expect(badTime.body.error.detail[0].loc).toEqual(['query', 'after']);
    const badLimit = await auditLog(tenant, '?limit=0');
    expect(badLimit.status).toBe(422);
    expect(badLimit.body.error.detail[0].loc).toEqual(['query', 'limit']);

    const publisher = await stack.newTenant({ scopes: ['publish_events'] });
    expect((await auditLog(publisher)).status).toBe(403);
    const anonymous = await fetch(`${stack.apiUrl}/manage/v1/audit-log`);
    expect(anonymous.status).toBe(401);
  });
});
