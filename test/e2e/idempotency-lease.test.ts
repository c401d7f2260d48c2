import { createHash } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { canonicalJson } from '../../src/services/idempotency.js';
import { waitFor } from '../helpers/receiver.js';
import { startStack, type Stack, type Tenant } from '../helpers/stack.js';
import { createEndpoint } from '../helpers/api.js';
import { startApiProcess } from '../helpers/entry-point.js';

// A 3 s request timeout gives claims a 6 s lease, so a real crash is taken over within the test.
let stack: Stack;
let db: pg.Client;
const children: ChildProcess[] = [];
const url = 'http://127.0.0.1:9/hook';
/** The idempotency scope of `POST /events`: its operation id and path. */
const PUBLISH_SCOPE = 'publishEvent /manage/v1/webhooks/events';

beforeAll(async () => {
  // No worker: its queries join endpoints and would queue behind the test's table lock, taking the
  // pool's connections from the request under test.
  stack = await startStack({ worker: false, extraEnv: { HOOKLINE_REQUEST_TIMEOUT_SECONDS: '3' } });
  db = new pg.Client({ connectionString: stack.env.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await db?.end();
  await stack?.stop();
});

/** A `running` claim of `POST /events` as a request that died would leave it, `age` old. */
async function claimLeftBehind(tenant: Tenant, key: string, body: unknown, age: string): Promise<{ eventId: string }> {
  const eventId = newId('event');
  await db.query(
    `insert into idempotency_records
       (id, tenant_id, environment, route, key, request_hash, state, locked_at, claim_token, resource_id, created_at, expires_at)
     values ($1, $2, 'test', $3, $4, $5, 'running', now() - $6::interval, $7, $8, now() - $6::interval, now() + interval '1 day')`,
    [newId('idempotency'), tenant.id, PUBLISH_SCOPE, key, createHash('sha256').update(canonicalJson(body)).digest('hex'), age, 'd'.repeat(32), eventId],
  );
  return { eventId };
}

async function eventIds(tenant: Tenant): Promise<string[]> {
  const rows = await db.query<{ id: string }>(`select id from events where tenant_id = $1 order by id`, [tenant.id]);
  return rows.rows.map((r) => r.id);
}

/** `src/main/api.ts` as an OS process of its own against this stack; resolves with its URL. */
async function spawnApi(): Promise<{ child: ChildProcess; url: string }> {
  const api = await startApiProcess(stack.workerEnv);
  children.push(api.process);
  return { child: api.process, url: api.url };
}

describe('Idempotency-Key claims left behind', () => {
  it('takes over a running claim older than its lease and publishes under the id it reserved', async () => {
    const t = await stack.newTenant();
    const body = { type: 'order.created', data: { order: 1 } };
    const { eventId } = await claimLeftBehind(t, 'dead-publish', body, '1 hour');
    const res = await t.api('POST', '/events', body, { 'idempotency-key': 'dead-publish' });
    expect(res.status).toBe(202);
    expect(res.body.id).toBe(eventId);
    const again = await t.api('POST', '/events', body, { 'idempotency-key': 'dead-publish' });
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(res.body);
    expect(await eventIds(t)).toEqual([eventId]);
  });

  it('answers with the event its dead request committed, and publishes no second one', async () => {
    const t = await stack.newTenant();
    await createEndpoint(t, { url, event_types: ['order.created'] });
    const body = { type: 'order.created', data: { order: 2 } };
    const { eventId } = await claimLeftBehind(t, 'died-after-commit', body, '1 hour');
    // What the dead request committed before it could store its answer.
    await db.query(
      `insert into events (id, tenant_id, environment, type, data, external_id, test, created_at)
       values ($1, $2, 'test', 'order.created', $3::jsonb, null, false, now())`,
      [eventId, t.id, JSON.stringify(body.data)],
    );
    const res = await t.api('POST', '/events', body, { 'idempotency-key': 'died-after-commit' });
    expect(res.status).toBe(202);
    expect(res.body.id).toBe(eventId);
    expect(res.headers.get('idempotent-replayed')).toBe('true');
    expect(await eventIds(t)).toEqual([eventId]);
  });

  it('lets exactly one of several racing retries take over, so one event is published', async () => {
    const t = await stack.newTenant();
    for (let i = 0; i < 5; i++) await createEndpoint(t, { url, event_types: ['order.created'] });
    const body = { type: 'order.created', data: { order: 3 } };
    const { eventId } = await claimLeftBehind(t, 'raced', body, '1 hour');
    const answers = await Promise.all(Array.from({ length: 6 }, () => t.api('POST', '/events', body, { 'idempotency-key': 'raced' })));
    const accepted = answers.filter((a) => a.status === 202);
    expect(answers.map((a) => a.status).filter((s) => s !== 202 && s !== 409)).toEqual([]);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(new Set(accepted.map((a) => a.body.id))).toEqual(new Set([eventId]));
    expect(await eventIds(t)).toEqual([eventId]);
    const deliveries = await db.query(`select 1 from deliveries where event_id = $1`, [eventId]);
    expect(deliveries.rowCount).toBe(5);
  });

  it('answers 409 with Retry-After while a claim is within its lease', async () => {
    const t = await stack.newTenant();
    const body = { type: 'order.created', data: { order: 4 } };
    await claimLeftBehind(t, 'still-running', body, '0 seconds');
    const res = await t.api('POST', '/events', body, { 'idempotency-key': 'still-running' });
    expect(res.status).toBe(409);
    expect(res.body.error.type).toBe('idempotency_in_progress');
    expect(res.body.error.request_id).toBeTruthy();
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await eventIds(t)).toEqual([]);
  });

  // PGlite behind its socket runs one transaction at a time, so a held lock would stall every request.
  it.skipIf(inject('hookline').embeddedDatabase)(
    'answers 503 request_timeout past the deadline and replays the publish that committed afterwards',
    async () => {
      const t = await stack.newTenant();
      await createEndpoint(t, { url, event_types: ['order.created'] });
      const body = { type: 'order.created', data: { order: 6 } };
      const headers = { 'idempotency-key': 'slow-publish' };
      const lock = new pg.Client({ connectionString: stack.env.databaseUrl });
      await lock.connect();
      let late: Awaited<ReturnType<Tenant['api']>>;
      try {
        await lock.query('begin');
        await lock.query('lock table endpoints in access exclusive mode');
        late = await t.api('POST', '/events', body, headers);
      } finally {
        await lock.query('commit').catch(() => undefined);
        await lock.end();
      }
      expect(late.status).toBe(503);
      expect(late.body.error.type).toBe('request_timeout');
      expect(Number(late.headers.get('retry-after'))).toBeGreaterThan(0);
      // Released, the publish goes on and commits its event with the answer for the key (on a
      // machine slow enough for the lease to run out first, a retry takes over the same event id).
      const answer = await waitFor(async () => {
        const res = await t.api('POST', '/events', body, headers);
        return res.status === 202 ? res : undefined;
      }, 30_000, 'the publish to commit after its deadline');
      expect(await eventIds(t)).toEqual([answer.body.id]);
      const again = await t.api('POST', '/events', body, headers);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(answer.body);
    },
  );

  it.skipIf(inject('hookline').embeddedDatabase)(
    'publishes once when the API was killed with SIGKILL while its request held the key',
    async () => {
      const t = await stack.newTenant();
      await createEndpoint(t, { url, event_types: ['order.created'] });
      const body = { type: 'order.created', data: { order: 5 } };
      const headers = { 'idempotency-key': 'killed-publish' };
      const { child, url: childUrl } = await spawnApi();
      const lock = new pg.Client({ connectionString: stack.env.databaseUrl });
      await lock.connect();
      try {
        // The publish claims its key, then waits on the endpoints table until its process is dead.
        await lock.query('begin');
        await lock.query('lock table endpoints in access exclusive mode');
        const doomed = fetch(`${childUrl}/manage/v1/webhooks/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
        }).catch(() => undefined);
        await waitFor(
          async () => (await db.query(`select 1 from idempotency_records where tenant_id = $1 and state = 'running'`, [t.id])).rowCount === 1,
          30_000,
          'the publish to claim its key',
        );
        child.kill('SIGKILL');
        await new Promise<void>((res) => (child.exitCode !== null || child.signalCode !== null ? res() : child.once('exit', () => res())));
        expect(child.signalCode).toBe('SIGKILL');
        await doomed;
      } finally {
        await lock.query('commit').catch(() => undefined);
        await lock.end();
      }
      expect(await eventIds(t)).toEqual([]);

      // Within the lease the key is still the dead request's; after it, the retry publishes.
      const early = await t.api('POST', '/events', body, headers);
      expect(early.status).toBe(409);
      let answer: Awaited<ReturnType<Tenant['api']>> | undefined;
      await waitFor(
        async () => {
          answer = await t.api('POST', '/events', body, headers);
          return answer.status !== 409;
        },
        30_000,
        'a retry to take the claim over',
      );
      expect(answer!.status).toBe(202);
      expect(answer!.body.deliveries).toBe(1);
      const [record] = (await db.query(`select state, resource_id from idempotency_records where tenant_id = $1`, [t.id])).rows;
      expect(record).toEqual({ state: 'done', resource_id: answer!.body.id });
      expect(await eventIds(t)).toEqual([answer!.body.id]);
      const replay = await t.api('POST', '/events', body, headers);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toEqual(answer!.body);
    },
    120_000,
  );

  it.skipIf(inject('hookline').embeddedDatabase)(
    'creates an endpoint and stores its answer in one transaction: a claim lost meanwhile leaves no endpoint',
    async () => {
      const t = await stack.newTenant();
      const headers = { 'idempotency-key': 'create-once' };
      const lock = new pg.Client({ connectionString: stack.env.databaseUrl });
      await lock.connect();
      let pending: Promise<unknown> | undefined;
      try {
        await lock.query('begin');
        await lock.query('lock table endpoints in access exclusive mode');
        // The request claims the key, then waits on the lock to insert the endpoint.
        pending = t.api('POST', '/endpoints', { url }, headers);
        await waitFor(
          async () => (await db.query(`select 1 from idempotency_records where tenant_id = $1 and key = 'create-once'`, [t.id])).rowCount === 1,
          10_000,
          'the claim',
        );
        // Another request takes the claim over (as one would after the lease).
        await db.query(`update idempotency_records set claim_token = $2 where tenant_id = $1`, [t.id, 'e'.repeat(32)]);
      } finally {
        await lock.query('commit').catch(() => undefined);
        await lock.end();
      }
      await pending;
      // The work found its claim gone when it came to store the answer, and rolled back with it.
      await new Promise((r) => setTimeout(r, 500));
      const rows = await db.query(`select id from endpoints where tenant_id = $1`, [t.id]);
      expect(rows.rowCount).toBe(0);
      const [record] = (await db.query(`select state from idempotency_records where tenant_id = $1`, [t.id])).rows;
      expect(record).toEqual({ state: 'running' });
    },
  );

  it('replays a created endpoint, its signing secret included, to a retry with the same key', async () => {
    const t = await stack.newTenant();
    const headers = { 'idempotency-key': 'create-replay' };
    const first = await t.api('POST', '/endpoints', { url }, headers);
    expect(first.status).toBe(201);
    const again = await t.api('POST', '/endpoints', { url }, headers);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect((await db.query(`select id from endpoints where tenant_id = $1`, [t.id])).rowCount).toBe(1);
  });

  /**
   * Sends `path` with an Idempotency-Key while `table` is locked, takes the request's claim over
   * (as a retry would after the lease) while it waits, then releases the lock and lets it finish.
   */
  async function loseClaimWhileWaiting(t: Tenant, table: string, path: string, body: unknown, key: string): Promise<void> {
    const lock = new pg.Client({ connectionString: stack.env.databaseUrl });
    await lock.connect();
    let pending: Promise<unknown> | undefined;
    try {
      await lock.query('begin');
      await lock.query(`lock table ${table} in access exclusive mode`);
      pending = t.api('POST', path, body, { 'idempotency-key': key });
      await waitFor(
        async () => (await db.query(`select 1 from idempotency_records where tenant_id = $1 and key = $2`, [t.id, key])).rowCount === 1,
        10_000,
        `the claim of ${path}`,
      );
      await db.query(`update idempotency_records set claim_token = $3 where tenant_id = $1 and key = $2`, [t.id, key, 'e'.repeat(32)]);
    } finally {
      await lock.query('commit').catch(() => undefined);
      await lock.end();
    }
    await pending;
    await new Promise((r) => setTimeout(r, 300));
  }

  /** A delivery that ended `failed` (its endpoint was disabled when the event came), replayable once the endpoint is active again. */
  async function failedDelivery(t: Tenant): Promise<{ endpointId: string; deliveryId: string }> {
    const ep = await createEndpoint(t, { url, event_types: ['order.created'], status: 'disabled' });
    expect((await t.api('POST', '/events', { type: 'order.created', data: { n: 1 } })).status).toBe(202);
    expect((await t.api('PATCH', `/endpoints/${ep.id}`, { status: 'active' })).status).toBe(200);
    const [row] = (await db.query(`select id from deliveries where endpoint_id = $1`, [ep.id])).rows;
    return { endpointId: ep.id, deliveryId: row.id };
  }

  const countDeliveries = async (t: Tenant) => Number((await db.query(`select count(*) from deliveries where tenant_id = $1`, [t.id])).rows[0].count);

  it.skipIf(inject('hookline').embeddedDatabase)(
    'rolls back a test event, a replay, a retry, a recovery and a secret rotation whose claim was lost, with their answers',
    async () => {
      const t = await stack.newTenant();
      const { endpointId, deliveryId } = await failedDelivery(t);
      const before = await countDeliveries(t);
      await loseClaimWhileWaiting(t, 'deliveries', `/endpoints/${endpointId}/test`, {}, 'lost-test');
      await loseClaimWhileWaiting(t, 'deliveries', `/deliveries/${deliveryId}/replay`, {}, 'lost-replay');
      await loseClaimWhileWaiting(t, 'deliveries', `/deliveries/${deliveryId}/retry`, {}, 'lost-retry');
      await loseClaimWhileWaiting(t, 'endpoints', `/endpoints/${endpointId}/recover`, { since: '2000-01-01T00:00:00Z' }, 'lost-recover');
      expect(await countDeliveries(t)).toBe(before);

      const secret = async () => (await db.query(`select secret_sealed from endpoints where id = $1`, [endpointId])).rows[0].secret_sealed;
      const sealed = await secret();
      await loseClaimWhileWaiting(t, 'endpoints', `/endpoints/${endpointId}/rotate-secret`, {}, 'lost-rotation');
      expect(await secret()).toBe(sealed);
      const states = (await db.query(`select key, state from idempotency_records where tenant_id = $1 order by key`, [t.id])).rows;
      expect(states.every((r) => r.state === 'running')).toBe(true);
      expect(states).toHaveLength(5);
    },
    120_000,
  );
});
