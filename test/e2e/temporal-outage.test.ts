import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createOrm, type Orm } from '../../src/db/orm.js';
import { createApiKey, ensureTenant } from '../../src/services/api-keys.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { installTemporalRuntime } from '../../src/temporal/runtime.js';
import { secretBoxFor, startApi, startWorker, temporalSettings } from '../../src/main/runtime.js';
import { startReceiver, waitFor, type Receiver } from '../helpers/receiver.js';

// A Temporal server of this file's own, so it can be stopped and started again on its data.
const env = inject('hookline');
const dir = mkdtempSync(join(tmpdir(), 'hookline-outage-'));
let port: number;
let temporal: DevServer | undefined;
let orm: Orm;
let receiver: Receiver;
let api: Awaited<ReturnType<typeof startApi>>;
let worker: Awaited<ReturnType<typeof startWorker>>;
let key: string;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: p } = server.address() as { port: number };
      server.close(() => resolve(p));
    });
  });
}

const startTemporal = () => startDevServer({ dbFile: join(dir, 'temporal.db'), port, ui: false });

async function publish(n: number): Promise<{ status: number; id: string }> {
  const res = await fetch(`${api.url}/manage/v1/webhooks/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'order.created', data: { n } }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, id: ((await res.json()) as { id: string }).id };
}

beforeAll(async () => {
  port = await freePort();
  const logger = createLogger((process.env.LOG_LEVEL as 'silent' | undefined) ?? 'silent', 'hookline-outage-test');
  // Before the dev server: launching it through the SDK creates the Temporal runtime.
  installTemporalRuntime(logger);
  temporal = await startTemporal();
  const config = loadConfig({
    DATABASE_URL: env.databaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    HOOKLINE_TASK_QUEUE: 'hookline-outage',
    HOOKLINE_ENCRYPTION_KEYS: env.encryptionKeys,
    HOOKLINE_ALLOW_PRIVATE_TARGETS: 'true',
    HOOKLINE_RETRY_SCHEDULE: '1,1,1',
    PORT: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
  });
  process.env.HOOKLINE_WORKFLOW_BUNDLE = env.workflowBundlePath;
  const secretBox = secretBoxFor(config, false);
  orm = await createOrm(env.databaseUrl, { max: 5 });
  const settings = temporalSettings(config, temporal.address);
  worker = await startWorker(config, { orm, secretBox, temporal: settings, logger });
  api = await startApi(config, { orm, secretBox, temporal: settings, logger });
  const tenantId = `t_outage_${Date.now()}`;
  await ensureTenant(orm.em.fork(), tenantId);
  ({ key } = await createApiKey(orm.em.fork(), { tenantId, environment: 'test', scopes: ['manage_webhooks', 'publish_events'] }));
  receiver = await startReceiver();
  const res = await fetch(`${api.url}/manage/v1/webhooks/endpoints`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: receiver.url }),
  });
  expect(res.status).toBe(201);
}, 120_000);

afterAll(async () => {
  await api?.close();
  await worker?.stop();
  await receiver?.close();
  await orm?.close();
  await temporal?.stop();
});

describe('while Temporal is down', () => {
  it('accepts published events at once and delivers every one of them when Temporal is back', async () => {
    const before = await publish(0);
    expect(before.status).toBe(202);
    await waitFor(() => receiver.requests.some((r) => r.headers['webhook-id'] === before.id), 30_000, 'the first delivery');

    await temporal!.stop();
    temporal = undefined;
    const during: string[] = [];
    for (let n = 1; n <= 20; n++) {
      const res = await publish(n);
      expect(res.status).toBe(202);
      during.push(res.id);
    }
    // They wait in the dispatch queue (the dispatcher's starts fail and put them back); nothing arrives.
    await new Promise((r) => setTimeout(r, 2000));
    const queued = await orm.em.fork().execute<{ n: number }[]>(
      `select count(*)::int as n from deliveries where dispatch_after is not null and event_id in (${during.map(() => '?').join(', ')})`,
      during,
    );
    expect(queued[0]!.n).toBe(20);
    const received = () => new Set(receiver.requests.map((r) => r.headers['webhook-id']));
    expect(during.filter((id) => received().has(id))).toEqual([]);

    temporal = await startTemporal();
    await waitFor(() => during.every((id) => received().has(id)), 90_000, 'every event published during the outage to arrive');
    const rows = await orm.em
      .fork()
      .execute<{ status: string; dispatch_after: Date | null }[]>(
        `select d.status, d.dispatch_after from deliveries d where d.event_id in (${during.map(() => '?').join(', ')})`,
        during,
      );
    expect(rows).toHaveLength(20);
    await waitFor(
      async () => {
        const now = await orm.em.fork().execute<{ n: number }[]>(
          `select count(*)::int as n from deliveries where status = 'delivered' and dispatch_after is null and event_id in (${during.map(() => '?').join(', ')})`,
          during,
        );
        return now[0]!.n === 20;
      },
      30_000,
      'all 20 rows delivered and out of the dispatch queue',
    );
  }, 180_000);
});
