import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Worker } from '@temporalio/worker';
import { startStack, type Stack } from '../helpers/stack.js';
import { startReceiver, waitFor, type Receiver, type ReceivedRequest, type Reply } from '../helpers/receiver.js';
import { createEndpoint } from '../helpers/api.js';
import { AuditEntry } from '../../src/db/entities/index.js';
import { verificationWorkflowIdPrefix } from '../../src/temporal/workflow-ids.js';
import { searchAttributes } from '../../src/temporal/search-attributes.js';
import { historyText } from '../helpers/history.js';

// The receiver's limit is shortened by configuration so a stalled receiver costs seconds.
const LIMIT_SECONDS = 2;

let stack: Stack;
const receivers: Receiver[] = [];

beforeAll(async () => {
  stack = await startStack({ extraEnv: { HOOKLINE_VERIFY_TIMEOUT_SECONDS: String(LIMIT_SECONDS) } });
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await stack?.stop();
});

/** A receiver that answers verification handshakes with `answer` (echoes them by default). */
async function receiver(answer?: (req: ReceivedRequest, challenge: string) => Reply): Promise<Receiver> {
  const r = await startReceiver(undefined, answer ? { verification: answer } : {});
  receivers.push(r);
  return r;
}

const json = (body: unknown, status = 200): Reply => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function getEndpoint(tenant: Awaited<ReturnType<Stack['newTenant']>>, id: string) {
  const res = await tenant.api('GET', `/endpoints/${id}`);
  expect(res.status).toBe(200);
  return res.body;
}


describe('URL-ownership verification', () => {
  it('verifies a receiver that echoes the signed challenge, and records it on the endpoint and in the audit log', async () => {
    const tenant = await stack.newTenant();
    const r = await receiver();
    const ep = await createEndpoint(tenant, { url: r.url, headers: { 'x-team': 'blue' } });

    const res = await tenant.api('POST', `/endpoints/${ep.id}/verify`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ verified: true });

    // The background handshake from the create and the explicit one both reached the receiver.
    await waitFor(() => r.challenges.length >= 2, 15_000, 'two handshakes');
    const challenges = new Set<string>();
    for (const req of r.challenges) {
      const body = JSON.parse(req.body);
      expect(Object.keys(body).sort()).toEqual(['challenge', 'type']);
      expect(body.type).toBe('webhook.verification');
      expect(body.challenge).toMatch(/^[0-9a-f]{32}$/);
      challenges.add(body.challenge);
      expect(req.method).toBe('POST');
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers['x-team']).toBe('blue');
      expect(req.headers['webhook-id']).toMatch(/^msg_/);
      expect(() => new StandardWebhook(ep.signing_secret).verify(req.body, req.headers)).not.toThrow();
      // Another secret must not verify: the signature check is real.
      expect(() => new StandardWebhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(req.body, req.headers)).toThrow();
    }
    expect(challenges.size).toBe(r.challenges.length);
    // Handshakes are not deliveries.
    expect(r.requests).toHaveLength(0);

    const endpoint = await getEndpoint(tenant, ep.id);
    expect(endpoint.verification.status).toBe('verified');
    expect(endpoint.verification.reason).toBeNull();
    expect(Date.parse(endpoint.verification.verified_at)).toBeGreaterThan(Date.now() - 60_000);

    const entries = await stack.orm.em.fork().find(AuditEntry, { tenantId: tenant.id, action: 'endpoint.verification_run' });
    expect(entries).toHaveLength(1);
    expect(entries[0]!.resourceId).toBe(ep.id);
    expect(entries[0]!.changes).toEqual({ verified: true });
  });

  it('runs again and again without colliding: concurrent re-runs each get an answer', async () => {
    const tenant = await stack.newTenant();
    const r = await receiver();
    const ep = await createEndpoint(tenant, { url: r.url });
    const results = await Promise.all([1, 2, 3].map(() => tenant.api('POST', `/endpoints/${ep.id}/verify`, {})));
    for (const res of results) {
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toEqual({ verified: true });
    }
  });

  it('does not verify a receiver that echoes a different challenge', async () => {
    const tenant = await stack.newTenant();
    const r = await receiver(() => json({ challenge: 'not-the-one-we-sent' }));
    const ep = await createEndpoint(tenant, { url: r.url });

    const res = await tenant.api('POST', `/endpoints/${ep.id}/verify`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ verified: false, reason: 'challenge_mismatch' });
    const endpoint = await getEndpoint(tenant, ep.id);
    expect(endpoint.verification).toEqual({ status: 'failed', verified_at: null, reason: 'challenge_mismatch' });
    const [entry] = await stack.orm.em.fork().find(AuditEntry, { tenantId: tenant.id, action: 'endpoint.verification_run' });
    expect(entry!.changes).toEqual({ verified: false, reason: 'challenge_mismatch' });
  });

  it('does not verify a receiver that answers 2xx without JSON', async () => {
    const tenant = await stack.newTenant();
    const r = await receiver((_req, challenge) => ({ status: 200, body: challenge }));
    const ep = await createEndpoint(tenant, { url: r.url });
    const res = await tenant.api('POST', `/endpoints/${ep.id}/verify`);
    expect(res.body).toEqual({ verified: false, reason: 'invalid_json' });
  });

  it('does not verify a receiver that answers non-2xx, even when it echoes the challenge', async () => {
    const tenant = await stack.newTenant();
    const r = await receiver((_req, challenge) => json({ challenge }, 500));
    const ep = await createEndpoint(tenant, { url: r.url });
    const res = await tenant.api('POST', `/endpoints/${ep.id}/verify`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ verified: false, reason: 'http_status_500' });
    expect((await getEndpoint(tenant, ep.id)).verification.reason).toBe('http_status_500');
  });

  it('gives up on a receiver that stalls past the limit, with reason timeout', async () => {
    const tenant = await stack.newTenant();
    const r = await receiver((_req, challenge) => ({ ...json({ challenge }), delayMs: (LIMIT_SECONDS + 8) * 1000 }));
    const ep = await createEndpoint(tenant, { url: r.url });

    const started = Date.now();
    const res = await tenant.api('POST', `/endpoints/${ep.id}/verify`);
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ verified: false, reason: 'timeout' });
    // It waited for the limit, and did not wait for the (late) answer.
    expect(elapsed).toBeGreaterThanOrEqual(LIMIT_SECONDS * 1000 - 100);
    expect(elapsed).toBeLessThan((LIMIT_SECONDS + 8) * 1000);
    expect((await getEndpoint(tenant, ep.id)).verification).toMatchObject({ status: 'failed', reason: 'timeout' });
  });

  it('reports a receiver that refuses the connection as connection_failed', async () => {
    const tenant = await stack.newTenant();
    const r = await receiver();
    await r.close();
    const ep = await createEndpoint(tenant, { url: r.url });
    const res = await tenant.api('POST', `/endpoints/${ep.id}/verify`);
    expect(res.body.verified).toBe(false);
    expect(res.body.reason).toMatch(/^connection_failed: .*ECONNREFUSED/);
  });

  it('starts the handshake in the background when an endpoint is created', async () => {
    const tenant = await stack.newTenant();
    const echoing = await receiver();
    const failing = await receiver(() => ({ status: 503, body: 'down' }));
    const good = await createEndpoint(tenant, { url: echoing.url });
    const bad = await createEndpoint(tenant, { url: failing.url });
    expect((good as any).verification.status).toBe('pending');

    const verified = await waitFor(
      async () => {
        const e = await getEndpoint(tenant, good.id);
        return e.verification.status === 'verified' ? e : undefined;
      },
      20_000,
      'the background handshake to verify',
    );
    expect(verified.verification.verified_at).not.toBeNull();
    const failed = await waitFor(
      async () => {
        const e = await getEndpoint(tenant, bad.id);
        return e.verification.status === 'failed' ? e : undefined;
      },
      20_000,
      'the background handshake to fail',
    );
    expect(failed.verification).toEqual({ status: 'failed', verified_at: null, reason: 'http_status_503' });
    expect(echoing.challenges).toHaveLength(1);
    expect(failing.challenges).toHaveLength(1);
    expect(failing.requests).toHaveLength(0);
  });

  it('runs each handshake as its own Temporal workflow, findable by endpoint, whose history holds no secret or challenge', async () => {
    const tenant = await stack.newTenant();
    const r = await receiver();
    const ep = await createEndpoint(tenant, { url: r.url });
    expect((await tenant.api('POST', `/endpoints/${ep.id}/verify`)).body).toEqual({ verified: true });

    const query = `WebhookEndpointId = "${ep.id}" AND WorkflowType = "verifyEndpointWorkflow" AND ExecutionStatus = "Completed"`;
    const runs = await waitFor(
      async () => {
        const found = [];
        for await (const wf of stack.temporal.workflow.list({ query })) found.push(wf);
        return found.length >= 2 ? found : undefined;
      },
      20_000,
      'two completed verification workflows in visibility',
    );
    expect(runs).toHaveLength(2);
    expect(new Set(runs.map((w) => w.workflowId)).size).toBe(2);

    for (const run of runs) {
      expect(run.workflowId.startsWith(verificationWorkflowIdPrefix(ep.id))).toBe(true);
      expect(run.taskQueue).toBe(stack.taskQueue);
      const handle = stack.temporal.workflow.getHandle(run.workflowId);
      const description = await handle.describe();
      expect(description.status.name).toBe('COMPLETED');
      expect(description.typedSearchAttributes.get(searchAttributes.tenantId)).toBe(tenant.id);
      expect(await description.staticSummary()).toBe(`verify → ${new URL(r.url).host}`);
      // The whole run is bounded: a little more than the receiver's limit.
      const runLimit = Number(description.raw.executionConfig?.workflowExecutionTimeout?.seconds ?? 0);
      expect(runLimit).toBeGreaterThan(LIMIT_SECONDS);
      expect(runLimit).toBeLessThanOrEqual(LIMIT_SECONDS + 60);
      expect(await handle.result()).toEqual({ verified: true });

      const history = await handle.fetchHistory();
      const text = historyText(history);
      expect(text).toContain(ep.id);
      expect(text).not.toContain(ep.signing_secret);
      expect(text).not.toContain(ep.signing_secret.slice('whsec_'.length));
      for (const req of r.challenges) expect(text).not.toContain(JSON.parse(req.body).challenge);
      // Recorded histories replay with the current workflow code (determinism).
      await expect(
        Worker.runReplayHistory({ workflowBundle: { codePath: stack.env.workflowBundlePath } }, history, run.workflowId),
      ).resolves.toBeUndefined();
    }
  });

  it("is a 404 for another tenant's endpoint and runs no handshake", async () => {
    const owner = await stack.newTenant();
    const other = await stack.newTenant();
    const r = await receiver();
    const ep = await createEndpoint(owner, { url: r.url });
    await waitFor(() => r.challenges.length === 1, 15_000, 'the background handshake');

    const res = await other.api('POST', `/endpoints/${ep.id}/verify`);
    expect(res.status).toBe(404);
    expect(res.body.error.type).toBe('not_found');
    expect((await owner.api('POST', '/endpoints/ep_missing/verify')).status).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(r.challenges).toHaveLength(1);
    expect(await stack.orm.em.fork().count(AuditEntry, { action: 'endpoint.verification_run', resourceId: ep.id })).toBe(0);
  });

  it('needs manage_webhooks and rejects a body with fields', async () => {
    const owner = await stack.newTenant();
    const r = await receiver();
    const ep = await createEndpoint(owner, { url: r.url });
    const publisher = await stack.newTenant({ scopes: ['publish_events'] });
    expect((await publisher.api('POST', `/endpoints/${ep.id}/verify`)).status).toBe(403);

    const res = await owner.api('POST', `/endpoints/${ep.id}/verify`, { challenge: 'mine' });
    expect(res.status).toBe(422);
    expect(res.body.error.detail[0].loc).toEqual(['body', 'challenge']);
  });
});
