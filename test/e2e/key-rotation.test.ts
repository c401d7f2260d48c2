import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { Webhook } from 'standardwebhooks';
import { createActivities } from '../../activities/index.js';
import { loadConfig } from '../../src/config.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { Endpoint } from '../../src/db/entities/index.js';
import { createOrm } from '../../src/db/orm.js';
import { HttpSender } from '../../src/delivery/http-sender.js';
import { AddressPolicy } from '../../src/delivery/address-policy.js';
import { SealedValueError, sealedIn } from '../../src/delivery/secrets.js';
import { createLogger } from '../../src/logger.js';
import { activitySettings, secretBoxFor } from '../../src/main/runtime.js';
import { endpointSigningSecrets } from '../../src/services/endpoint-secrets.js';
import type { DeliveryWorkflows } from '../../src/temporal/client.js';
import { createEndpoint, listDeliveries, publish } from '../helpers/api.js';
import { runCli } from '../helpers/cli.js';
import { privateDatabase, type PrivateDatabase } from '../helpers/database.js';
import { receiverPool, waitFor, type Receiver } from '../helpers/receiver.js';
import { startStack, type Stack } from '../helpers/stack.js';

const receivers = receiverPool();
const stacks: Stack[] = [];

afterAll(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
  await receivers.closeAll();
});

const newKey = (id: string) => ({ id, material: randomBytes(32).toString('base64') });
type Key = ReturnType<typeof newKey>;
const ring = (...keys: Key[]) => keys.map((k) => `${k.id}:${k.material}`).join(',');

/** Seals as the v1 format did (no associated data), as a database written before v2 holds it. */
function sealV1(key: Key, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(key.material, 'base64'), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', key.id, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join('.');
}

/** The first delivery request `receiver` got, verified against each of `secrets` with the standardwebhooks package. */
async function verifiedDelivery(receiver: Receiver, secrets: string[]) {
  const req = await waitFor(() => receiver.requests[0], 30_000, `a delivery to ${receiver.url}`);
  for (const secret of secrets) expect(() => new Webhook(secret).verify(req.body, req.headers)).not.toThrow();
  expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(req.body, req.headers)).toThrow();
  return req;
}

/** Workflows for activities run directly: an attempt that is refused before sending starts none. */
function unusedWorkflows(taskQueue: string): DeliveryWorkflows {
  const unused = () => Promise.reject(new Error('not used here'));
  return { taskQueue, start: unused, signal: unused, verify: unused, startVerification: unused, uiLink: () => null };
}

describe('rotating the encryption key', () => {
  let db: PrivateDatabase;
  const k1 = newKey('k1');
  const k2 = newKey('k2');

  beforeAll(async () => {
    // `secrets reencrypt` rewrites every row of its database: this file gets one of its own.
    db = await privateDatabase(inject('hookline'));
  });
  afterAll(async () => {
    await Promise.all(stacks.splice(0).map((s) => s.stop()));
    await db?.drop();
  });

  const reencrypt = (keys: string) => runCli(['secrets', 'reencrypt', '--batch-size', '2'], { DATABASE_URL: db.url, HOOKLINE_ENCRYPTION_KEYS: keys });

  /** Every sealed value of the database, in row order (other writes, such as a verification result, move rows). */
  async function sealedValues(stack: Stack): Promise<string[]> {
    const em = stack.orm.em.fork();
    const endpoints = await em.execute<{ secret_sealed: string; previous_secret_sealed: string | null }[]>(
      `select secret_sealed, previous_secret_sealed from endpoints order by id`,
    );
    const responses = await em.execute<{ sealed: string }[]>(
      `select response_body->>'sealed' as sealed from idempotency_records where response_body->>'sealed' is not null order by id`,
    );
    return [...endpoints.flatMap((e) => [e.secret_sealed, e.previous_secret_sealed ?? []].flat()), ...responses.map((r) => r.sealed)];
  }

  it('re-encrypts every sealed value under the newest key; with the old key removed, every endpoint still signs', async () => {
    const [plain, idempotent, rotated, legacy] = await Promise.all([1, 2, 3, 4].map(() => receivers.start()));
    const before = await startStack({ databaseUrl: db.url, extraEnv: { HOOKLINE_ENCRYPTION_KEYS: ring(k1) } });
    stacks.push(before);
    const tenant = await before.newTenant();

    const plainEp = await createEndpoint(tenant, { url: plain!.url });
    const idempotencyKey = { 'idempotency-key': `create-${randomBytes(4).toString('hex')}` };
    const created = await tenant.api('POST', '/endpoints', { url: idempotent!.url }, idempotencyKey);
    expect(created.status).toBe(201);
    const rotatedEp = await createEndpoint(tenant, { url: rotated!.url });
    const rotation = await tenant.api('POST', `/endpoints/${rotatedEp.id}/rotate-secret`, { grace_period_seconds: 3600 });
    expect(rotation.status).toBe(200);
    const legacyEp = await createEndpoint(tenant, { url: legacy!.url });
    await before.orm.em.fork().execute(`update endpoints set secret_sealed = ? where id = ?`, [sealV1(k1, legacyEp.signing_secret), legacyEp.id]);

    const sealed = await sealedValues(before);
    expect(sealed).toHaveLength(6);
    expect(sealed.filter((s) => s.startsWith('v2.k1.'))).toHaveLength(5);
    expect(sealed.filter((s) => s.startsWith('v1.k1.'))).toHaveLength(1);

    // A ring without the key of the stored values: nothing changes, and the error names the missing id.
    const k3 = newKey('k3');
    const refused = await reencrypt(ring(k3));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('no encryption key with id "k1"');
    expect(refused.stderr).toContain(`endpoints.secret:${plainEp.id}`);
    for (const out of [refused.stdout, refused.stderr]) {
      for (const key of [k1, k3]) expect(out).not.toContain(key.material);
      expect(out).not.toContain(plainEp.signing_secret);
    }
    expect(await sealedValues(before)).toEqual(sealed);

    // k2 first: the newest key encrypts; k1 still opens what is stored.
    const first = await reencrypt(ring(k2, k1));
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(
      'Re-encrypted 4 endpoint secrets, 1 previous endpoint secrets, 1 idempotency responses under key "k2"; 0 already current.',
    );
    const after = await sealedValues(before);
    expect(after).toHaveLength(6);
    expect(after.every((s) => s.startsWith('v2.k2.'))).toBe(true);

    // A second run finds nothing to do and changes nothing.
    const again = await reencrypt(ring(k2, k1));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Re-encrypted 0 endpoint secrets, 0 previous endpoint secrets, 0 idempotency responses under key "k2"; 6 already current.');
    expect(await sealedValues(before)).toEqual(after);

    // k1 removed: re-encryption needs it no more, and the engine signs with the same secrets.
    const withoutK1 = await reencrypt(ring(k2));
    expect(withoutK1.code, withoutK1.stderr).toBe(0);
    expect(withoutK1.stdout).toContain('; 6 already current.');
    await before.stop();
    stacks.splice(stacks.indexOf(before), 1);

    const now = await startStack({ databaseUrl: db.url, extraEnv: { HOOKLINE_ENCRYPTION_KEYS: ring(k2) } });
    stacks.push(now);
    const sameTenant = await now.newTenant({ id: tenant.id });
    const replayed = await sameTenant.api('POST', '/endpoints', { url: idempotent!.url }, idempotencyKey);
    expect(replayed.status).toBe(201);
    expect(replayed.body).toEqual(created.body);

    await publish(sameTenant, 'order.created', { order: 'ord_1' });
    expect(await listDeliveries(sameTenant)).toHaveLength(4);
    await verifiedDelivery(plain!, [plainEp.signing_secret]);
    await verifiedDelivery(idempotent!, [created.body.signing_secret]);
    // During the grace period both the new and the previous secret sign.
    const both = await verifiedDelivery(rotated!, [rotation.body.signing_secret, rotatedEp.signing_secret]);
    expect(both.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    await verifiedDelivery(legacy!, [legacyEp.signing_secret]);
  }, 180_000);
});

describe('a sealed secret copied to another endpoint', () => {
  it('does not open there: signing that endpoint fails with an error naming its row, and nothing is sent', async () => {
    const stack = await startStack({ worker: false });
    stacks.push(stack);
    const tenant = await stack.newTenant();
    const [first, second] = await Promise.all([receivers.start(), receivers.start()]);
    const a = await createEndpoint(tenant, { url: first!.url });
    const b = await createEndpoint(tenant, { url: second!.url });
    const em = stack.orm.em.fork();
    await em.execute(`update endpoints set secret_sealed = (select secret_sealed from endpoints where id = ?) where id = ?`, [a.id, b.id]);

    const config = loadConfig({ ...stack.workerEnv, LOG_LEVEL: 'silent' });
    const box = secretBoxFor(config, false);
    const copied = await em.findOneOrFail(Endpoint, { id: b.id });
    expect(() => endpointSigningSecrets(copied, box, new Date())).toThrow(SealedValueError);
    expect(() => endpointSigningSecrets(copied, box, new Date())).toThrow(`endpoints.secret:${b.id}`);
    expect(endpointSigningSecrets(await em.findOneOrFail(Endpoint, { id: a.id }), box, new Date())).toEqual([a.signing_secret]);

    await publish(tenant, 'order.created', { n: 1 });
    const [delivery] = await listDeliveries(tenant, `?endpoint_id=${b.id}`);
    const activities = createActivities({
      orm: stack.orm,
      secretBox: box,
      sender: new HttpSender(new AddressPolicy({ allowPrivate: true })),
      logger: createLogger('silent', 'key-rotation-test'),
      temporal: stack.temporal,
      workflows: unusedWorkflows(stack.taskQueue),
      operationalEvents: { publish: async () => undefined },
      ...activitySettings(config),
    });
    const env = new MockActivityEnvironment(
      { workflowExecution: { workflowId: `delivery-${delivery.id}`, runId: 'run-1' } },
      // The failure is the expected outcome here, not worth the SDK's warning.
      { logger: new DefaultLogger('ERROR') },
    );
    await expect(env.run(activities.attemptDelivery, { deliveryId: delivery.id, attempt: 1 })).rejects.toThrow(
      new RegExp(`endpoints\\.secret:${b.id}.*another row`),
    );
    expect(second!.requests).toHaveLength(0);
    const [recorded] = await em.execute<{ n: number }[]>(`select count(*)::int as n from attempts where delivery_id = ?`, [delivery.id]);
    expect(recorded!.n).toBe(0);
  });
});

describe('secrets reencrypt on the embedded database', () => {
  it('uses the key generated into the data directory and rewrites a v1 secret as v2', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hookline-reencrypt-'));
    try {
      const box = secretBoxFor(loadConfig({ HOOKLINE_DATA_DIR: dataDir }), true);
      const devKey = { id: 'dev', material: readFileSync(join(dataDir, 'encryption-key'), 'utf8').trim() };
      const embedded = await startEmbeddedPostgres({ dataDir });
      const orm = await createOrm(embedded.url, { max: 1 });
      const id = 'ep_01JEMBEDDED00000000000000';
      try {
        await orm.migrator.up();
        await orm.em.fork().execute(
          `insert into endpoints (id, tenant_id, environment, url, event_types, headers, verification, metadata, secret_sealed, created_at, updated_at)
           values (?, 'dev', 'test', 'http://127.0.0.1:9/hook', '["*"]', '{}', '{"status":"pending","verified_at":null,"reason":null}', '{}', ?, now(), now())`,
          [id, sealV1(devKey, 'whsec_embedded')],
        );
      } finally {
        await orm.close();
        await embedded.stop();
      }

      // Empty counts as unset: no DATABASE_URL and no key ring, as under `npm start`.
      const res = await runCli(['secrets', 'reencrypt'], { DATABASE_URL: '', HOOKLINE_ENCRYPTION_KEYS: '', HOOKLINE_DATA_DIR: dataDir });
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toContain('Re-encrypted 1 endpoint secrets, 0 previous endpoint secrets, 0 idempotency responses under key "dev"; 0 already current.');

      const reopened = await startEmbeddedPostgres({ dataDir });
      const check = await createOrm(reopened.url, { max: 1 });
      try {
        const [row] = await check.em.fork().execute<{ secret_sealed: string }[]>(`select secret_sealed from endpoints where id = ?`, [id]);
        expect(row!.secret_sealed.startsWith('v2.dev.')).toBe(true);
        expect(box.decrypt(row!.secret_sealed, sealedIn.endpointSecret(id))).toBe('whsec_embedded');
      } finally {
        await check.close();
        await reopened.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
