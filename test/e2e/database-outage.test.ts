import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createOrm } from '../../src/db/orm.js';
import { waitFor } from '../helpers/receiver.js';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.js';
import { startStack, type Stack, type Tenant } from '../helpers/stack.js';

// A PostgreSQL cluster of this file's own, so it can be stopped under the running API.
let postgres: PrivatePostgres | undefined;
let stack: Stack | undefined;
let tenant: Tenant;
const url = 'http://127.0.0.1:9/hook';
/** Generous: the API must answer, not hang; the pool's acquire timeout is 5 s. */
const ANSWER_BOUND_MS = 15_000;

const embedded = inject('hookline').embeddedDatabase;

beforeAll(async () => {
  if (embedded) return;
  postgres = await startPrivatePostgres();
  const orm = await createOrm(postgres.url, { max: 1 });
  try {
    await orm.migrator.up();
  } finally {
    await orm.close();
  }
  stack = await startStack({ databaseUrl: postgres.url, worker: false });
  tenant = await stack.newTenant();
});
afterAll(async () => {
  await postgres?.start().catch(() => undefined);
  await stack?.stop();
  await postgres?.cleanup();
});

async function timed(request: () => ReturnType<Tenant['api']>) {
  const started = Date.now();
  const res = await request();
  return { ...res, ms: Date.now() - started };
}

describe.skipIf(embedded)('while PostgreSQL is down', () => {
  it('answers 503 service_unavailable with Retry-After, names the database in /readyz, and recovers without a restart', async () => {
    expect((await tenant.api('POST', '/endpoints', { url, event_types: ['order.created'] })).status).toBe(201);
    expect((await tenant.api('POST', '/events', { type: 'order.created', data: { n: 0 } })).status).toBe(202);

    await postgres!.stop();
    const requests: [string, () => ReturnType<Tenant['api']>][] = [
      ['POST /events', () => tenant.api('POST', '/events', { type: 'order.created', data: { n: 1 } })],
      ['POST /events (Idempotency-Key)', () => tenant.api('POST', '/events', { type: 'order.created', data: { n: 2 } }, { 'idempotency-key': 'outage-1' })],
      ['GET /endpoints', () => tenant.api('GET', '/endpoints')],
      ['POST /endpoints', () => tenant.api('POST', '/endpoints', { url })],
      ['GET /deliveries', () => tenant.api('GET', '/deliveries')],
    ];
    const answers: Record<string, unknown>[] = [];
    for (const [name, request] of requests) {
      const res = await timed(request);
      answers.push({ name, status: res.status, retryAfter: res.headers.get('retry-after'), ms: res.ms });
      expect(res.status, name).toBe(503);
      expect(res.headers.get('retry-after'), name).toBe('5');
      expect(res.body.error.type, name).toBe('service_unavailable');
      expect(res.body.error.request_id, name).toBe(res.headers.get('x-request-id'));
      expect(JSON.stringify(res.body), name).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|postgres/i);
      expect(res.ms, name).toBeLessThan(ANSWER_BOUND_MS);
    }
    console.log('answers while PostgreSQL was down:', JSON.stringify(answers));

    const ready = await fetch(`${stack!.apiUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBe('5');
    expect(await ready.json()).toEqual({ status: 'unavailable', reason: 'database unreachable' });

    await postgres!.start();
    await waitFor(async () => (await tenant.api('GET', '/endpoints')).status === 200, 30_000, 'the API to answer again');
    const after = await tenant.api('POST', '/events', { type: 'order.created', data: { n: 2 } }, { 'idempotency-key': 'outage-1' });
    expect(after.status).toBe(202);
    expect(after.body.deliveries).toBe(1);
    expect((await fetch(`${stack!.apiUrl}/readyz`)).status).toBe(200);
  }, 120_000);
});
