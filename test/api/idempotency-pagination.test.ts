import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../helpers/receiver.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { createEndpoint } from '../helpers/api.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const url = 'http://127.0.0.1:9/hook';

describe('Idempotency-Key', () => {
  it('creates one endpoint for a repeated key and body, and replays the identical reply', async () => {
    const t = await stack.newTenant();
    const headers = { 'idempotency-key': 'create-billing-endpoint' };
    const body = { url, description: 'billing', event_types: ['invoice.*'] };
    const first = await t.api('POST', '/endpoints', body, headers);
    const again = await t.api('POST', '/endpoints', { event_types: ['invoice.*'], description: 'billing', url }, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body).toEqual(first.body);
    expect(again.body.signing_secret).toBe(first.body.signing_secret);
    const list = await t.api('GET', '/endpoints');
    expect(list.body.data).toHaveLength(1);
  });

  it('refuses the same key with a different body (422) and is scoped to the tenant', async () => {
    const t = await stack.newTenant();
    const other = await stack.newTenant();
    const headers = { 'idempotency-key': 'k-1' };
    expect((await t.api('POST', '/endpoints', { url }, headers)).status).toBe(201);
    const reused = await t.api('POST', '/endpoints', { url, description: 'different' }, headers);
    expect(reused.status).toBe(422);
    expect(reused.body.error.type).toBe('idempotency_key_reused');
    const elsewhere = await other.api('POST', '/endpoints', { url, description: 'different' }, headers);
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.headers.get('idempotent-replayed')).toBeNull();
  });

  // PGlite behind its socket runs one transaction at a time, so a held lock would stall every request.
  it.skipIf(inject('hookline').embeddedDatabase)('answers 409 to a request whose key is still being processed by another', async () => {
    const t = await stack.newTenant();
    for (let i = 0; i < 40; i++) await createEndpoint(t, { url, event_types: ['order.created'] });
    const headers = { 'idempotency-key': 'publish-order-1' };
    const body = { type: 'order.created', data: { order: 1 } };
    // Hold the first publish after it claimed the key: its insert waits on a share lock of the events table.
    const lock = new pg.Client({ connectionString: stack.env.databaseUrl });
    await lock.connect();
    let statuses: (string | number | null)[][];
    try {
      await lock.query('begin');
      await lock.query('lock table events in share mode');
      const first = t.api('POST', '/events', body, headers);
      await waitFor(
        async () =>
          (await lock.query(`select 1 from idempotency_records where tenant_id = $1 and key = $2 and state = 'running'`, [t.id, headers['idempotency-key']]))
            .rowCount === 1,
        10_000,
        'the first publish to claim its key',
      );
      const second = await t.api('POST', '/events', body, headers);
      await lock.query('commit');
      statuses = [second, await first].map((r) => [r.status, r.body?.error?.type ?? null]);
    } finally {
      await lock.end();
    }
    expect(statuses).toEqual([
      [409, 'idempotency_in_progress'],
      [202, null],
    ]);
    // Once the first has finished, the key replays it.
    const later = await t.api('POST', '/events', body, headers);
    expect(later.status).toBe(202);
    expect(later.headers.get('idempotent-replayed')).toBe('true');
    expect(later.body.deliveries).toBe(40);
  });
});

describe('pagination', () => {
  it('walks forward and back over every old row exactly once while rows are being inserted', async () => {
    const t = await stack.newTenant();
    const old: string[] = [];
    for (let i = 0; i < 23; i++) old.push((await createEndpoint(t, { url, description: `old ${i}` })).id);

    let inserting = true;
    const inserter = (async () => {
      for (let i = 0; inserting && i < 200; i++) await createEndpoint(t, { url, description: `new ${i}` });
    })();

    const forward: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const res = await t.api('GET', `/endpoints?limit=4${cursor ? `&starting_after=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      forward.push(...res.body.data.map((e: { id: string }) => e.id));
      if (!res.body.has_more) break;
      cursor = res.body.next_cursor;
    }

    const backward: string[] = [];
    let before: string | undefined = forward[forward.length - 1];
    backward.push(before!);
    for (let page = 0; page < 100; page++) {
      const res = await t.api('GET', `/endpoints?limit=4&ending_before=${before}`);
      expect(res.status).toBe(200);
      const ids = res.body.data.map((e: { id: string }) => e.id) as string[];
      backward.unshift(...ids);
      if (!res.body.has_more || ids.length === 0) break;
      before = ids[0];
    }
    inserting = false;
    await inserter;

    for (const walk of [forward, backward]) {
      const seenOld = walk.filter((id) => old.includes(id));
      expect(seenOld.sort()).toEqual([...old].sort());
      expect(new Set(walk).size).toBe(walk.length);
    }
    // Newest first, in both directions.
    expect([...forward].sort().reverse()).toEqual(forward);
  });
});
