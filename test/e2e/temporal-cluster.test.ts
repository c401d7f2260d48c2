import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTemporalCluster, type TemporalCluster } from '../../src/temporal/cluster.js';
import { startStack, type Stack, type Tenant } from '../helpers/stack.js';
import { startReceiver, waitFor, type Receiver } from '../helpers/receiver.js';
import { createEndpoint, listDeliveries, publish } from '../helpers/api.js';

// Hookline on a Temporal server in its production shape: PostgreSQL for persistence and
// visibility, four history shards, its own databases on the machine's PostgreSQL.
const env = inject('hookline');
const adminUrl = process.env.DATABASE_URL ?? '';
const prefix = `hookline_temporal_${randomBytes(3).toString('hex')}`;
const dataDir = mkdtempSync(join(tmpdir(), 'hookline-cluster-'));
const port = 21000 + Math.floor(Math.random() * 8000);
let cluster: TemporalCluster | undefined;
let stack: Stack;
let tenant: Tenant;
const receivers: Receiver[] = [];

const start = () => startTemporalCluster({ postgresUrl: adminUrl, databasePrefix: prefix, dataDir, port, historyShards: 4 });

describe.skipIf(env.embeddedDatabase)('a Temporal cluster on PostgreSQL', () => {
  beforeAll(async () => {
    cluster = await start();
    stack = await startStack({ temporalAddress: cluster.address });
    tenant = await stack.newTenant();
  }, 300_000);
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await stack?.stop();
    await cluster?.stop();
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    for (const db of [prefix, `${prefix}_visibility`]) await admin.query(`drop database if exists "${db}" with (force)`);
    await admin.end();
  }, 60_000);

  it('delivers first tries and retries, and its visibility store finds them by search attribute', async () => {
    let calls = 0;
    const flaky = await startReceiver(() => ({ status: calls++ % 2 === 0 ? 503 : 200 }));
    const ok = await startReceiver(() => ({ status: 200 }));
    receivers.push(flaky, ok);
    const a = await createEndpoint(tenant, { url: ok.url, event_types: ['order.created'] });
    const b = await createEndpoint(tenant, { url: flaky.url, event_types: ['order.created'] });
    for (let i = 0; i < 10; i++) await publish(tenant, 'order.created', { i });

    for (const ep of [a, b]) {
      await waitFor(
        async () => (await listDeliveries(tenant, `?endpoint_id=${ep.id}&status=delivered`)).length === 10 || undefined,
        60_000,
        `ten deliveries of ${ep.id}`,
      );
    }
    expect(new Set(ok.requests.map((r) => r.headers['webhook-id'])).size).toBe(10);
    // The flaky receiver failed every other call: some deliveries took a second attempt.
    expect(flaky.requests.length).toBeGreaterThan(10);

    const delivered = await waitFor(
      async () => {
        let n = 0;
        for await (const _ of stack.temporal.workflow.list({ query: `WebhookEndpointId="${b.id}" AND WebhookDeliveryStatus="delivered"` })) n++;
        return n === 10 ? n : undefined;
      },
      30_000,
      'the visibility store to list the ten deliveries as delivered',
    );
    expect(delivered).toBe(10);
  });

  it('keeps accepting events while the server is killed and delivers them once it is back on its data', async () => {
    const r = await startReceiver(() => ({ status: 200 }));
    receivers.push(r);
    const ep = await createEndpoint(tenant, { url: r.url, event_types: ['invoice.paid'] });
    const pid = cluster!.pid;
    process.kill(-pid, 'SIGKILL');
    await waitFor(
      () => {
        try {
          process.kill(pid, 0);
          return undefined;
        } catch {
          return true;
        }
      },
      10_000,
      'the server to die',
    );
    for (let i = 0; i < 10; i++) await publish(tenant, 'invoice.paid', { i });
    await new Promise((res) => setTimeout(res, 1500));
    expect(r.requests).toHaveLength(0);

    cluster = await start();
    await waitFor(() => r.requests.length >= 10 || undefined, 90_000, 'the ten events after the restart');
    await waitFor(
      async () => (await listDeliveries(tenant, `?endpoint_id=${ep.id}&status=delivered`)).length === 10 || undefined,
      30_000,
      'ten delivered rows',
    );
    expect(new Set(r.requests.map((q) => q.headers['webhook-id'])).size).toBe(10);
  });
});
