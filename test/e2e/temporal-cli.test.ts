import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTemporalCli } from '../../src/temporal/dev-server.js';
import { searchAttributes } from '../../src/temporal/search-attributes.js';
import { deliveryWorkflowId } from '../../src/temporal/workflow-ids.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { receiverPool, waitFor } from '../helpers/receiver.js';
import { createEndpoint, deliverOne, getDelivery, listDeliveries, publish, waitForDeliveryStatus } from '../helpers/api.js';

// The operator's console is the real `temporal` binary against the run's dev server: every
// command here is what an operator would type, and its effect is checked in PostgreSQL and Temporal.

let stack: Stack;
let temporalCli: string;
const receivers = receiverPool();
const receiver = receivers.start;

beforeAll(async () => {
  const cli = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
  if (!cli) throw new Error('no Temporal CLI: set TEMPORAL_CLI_PATH or install Go for scripts/install-temporal.sh');
  temporalCli = cli;
  stack = await startStack({ retrySchedule: [1] });
});
afterAll(async () => {
  await receivers.closeAll();
  await stack?.stop();
});


interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `temporal …args` against the run's dev server and namespace. */
function temporal(...args: string[]): Promise<CliResult> {
  const target = ['--address', stack.env.temporalAddress, '--namespace', stack.env.namespace];
  return new Promise((resolve) => {
    execFile(temporalCli, [...args, ...target], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

interface ListedWorkflow {
  workflowId: string;
  runId: string;
  type: string;
  status: string;
  searchAttributes: Record<string, unknown>;
}

/** `temporal workflow list --query … --output json`, with the search attributes decoded. */
async function listWorkflows(query: string): Promise<ListedWorkflow[]> {
  const res = await temporal('workflow', 'list', '--query', query, '--output', 'json');
  expect(res.code, res.stderr).toBe(0);
  const rows = JSON.parse(res.stdout) as Array<{
    execution: { workflowId: string; runId: string };
    type: { name: string };
    status: string;
    searchAttributes?: { indexedFields?: Record<string, { data: string }> };
  }>;
  return rows.map((row) => ({
    workflowId: row.execution.workflowId,
    runId: row.execution.runId,
    type: row.type.name,
    status: row.status,
    searchAttributes: Object.fromEntries(
      Object.entries(row.searchAttributes?.indexedFields ?? {}).map(([k, v]) => [k, JSON.parse(Buffer.from(v.data, 'base64').toString('utf8'))]),
    ),
  }));
}

/** Waits until the visibility query lists exactly `count` workflows (visibility trails the workflow a little). */
async function waitForListed(query: string, count: number, timeoutMs = 20_000): Promise<ListedWorkflow[]> {
  let last: ListedWorkflow[] = [];
  try {
    return await waitFor(
      async () => {
        last = await listWorkflows(query);
        return last.length === count ? last : undefined;
      },
      timeoutMs,
      `${count} workflows for ${query}`,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last listed: ${JSON.stringify(last.map((w) => [w.workflowId, w.status]))}`);
  }
}

async function describeWhen(workflowId: string, status: string) {
  const handle = stack.temporal.workflow.getHandle(workflowId);
  return waitFor(
    async () => {
      const d = await handle.describe();
      return d.status.name === status ? d : undefined;
    },
    20_000,
    `${workflowId} to be ${status}`,
  );
}

describe('Temporal CLI as the operator console', () => {
  it('re-runs a dead-lettered delivery with `temporal workflow reset` and the database follows to delivered', async () => {
    const tenant = await stack.newTenant();
    let fixed = false;
    // Once fixed, the receiver takes its time, so the row is seen `pending` while the re-run attempts.
    const r = await receiver(() => (fixed ? { status: 200, body: 'thanks', delayMs: 2000 } : { status: 500, body: 'down' }));
    const { deliveryId } = await deliverOne(tenant, r.url, { order: 'o_reset' });
    const workflowId = deliveryWorkflowId(deliveryId);

    const dead = await waitForDeliveryStatus(tenant, deliveryId, 'dead_letter');
    expect(dead.attempts.map((a: any) => [a.attempt, a.response_status])).toEqual([
      [1, 500],
      [2, 500],
    ]);
    const failedRun = await describeWhen(workflowId, 'FAILED');
    expect(failedRun.typedSearchAttributes.get(searchAttributes.deliveryStatus)).toBe('dead_letter');

    fixed = true;
    const reset = await temporal(
      'workflow',
      'reset',
      '--workflow-id',
      workflowId,
      '--type',
      'FirstWorkflowTask',
      '--reason',
      'receiver fixed: re-run the dead letter',
    );
    expect(reset.code, `${reset.stdout}\n${reset.stderr}`).toBe(0);

    await waitForDeliveryStatus(tenant, deliveryId, 'pending', 15_000);
    const delivered = await waitForDeliveryStatus(tenant, deliveryId, 'delivered', 30_000);
    // The re-run's attempt continues the numbering and is recorded beside the first two.
    expect(delivered.attempts.map((a: any) => [a.attempt, a.response_status])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    expect(delivered.attempt_count).toBe(3);
    expect(delivered.failure_reason).toBeNull();
    expect(delivered.delivered_at).not.toBeNull();
    expect(r.requests).toHaveLength(3);
    expect(new Set(r.requests.map((q) => q.headers['webhook-id'])).size).toBe(1);

    const newRun = await describeWhen(workflowId, 'COMPLETED');
    expect(newRun.runId).not.toBe(failedRun.runId);
    expect(newRun.typedSearchAttributes.get(searchAttributes.deliveryStatus)).toBe('delivered');
    expect(reset.stdout).toContain(`Resetting workflow ${workflowId}`);
    // The failed run stays in history as it ended.
    const oldRun = await stack.temporal.workflow.getHandle(workflowId, failedRun.runId).describe();
    expect(oldRun.status.name).toBe('FAILED');
  });

  it('`temporal workflow list` by WebhookEndpointId finds exactly that endpoint’s delivery workflows', async () => {
    const tenant = await stack.newTenant();
    const [a, b] = await Promise.all([receiver(), receiver()]);
    const epA = await createEndpoint(tenant, { url: a.url, event_types: ['invoice.paid'] });
    const epB = await createEndpoint(tenant, { url: b.url, event_types: ['order.created'] });
    await publish(tenant, 'invoice.paid', { invoice: 'in_1' });
    await publish(tenant, 'invoice.paid', { invoice: 'in_2' });
    await publish(tenant, 'order.created', { order: 'o_1' });
    await waitFor(() => a.requests.length === 2 && b.requests.length === 1, 20_000, 'three deliveries');

    const deliveriesA = (await listDeliveries(tenant, `?endpoint_id=${epA.id}`)).map((d) => deliveryWorkflowId(d.id));
    expect(deliveriesA).toHaveLength(2);

    const deliveriesOnly = await waitForListed(`WebhookEndpointId='${epA.id}' AND WorkflowType='deliverWebhookWorkflowV2'`, 2);
    expect(deliveriesOnly.map((w) => w.workflowId).sort()).toEqual([...deliveriesA].sort());
    for (const w of deliveriesOnly) {
      expect(w.searchAttributes).toMatchObject({
        WebhookEndpointId: epA.id,
        WebhookTenantId: tenant.id,
        WebhookEventType: 'invoice.paid',
      });
    }

    // The query alone (as in the README) lists the same deliveries, plus only the endpoint's own
    // URL-ownership handshakes.
    const byEndpoint = await listWorkflows(`WebhookEndpointId='${epA.id}'`);
    const ids = byEndpoint.map((w) => w.workflowId);
    expect(ids.filter((id) => id.startsWith('delivery-')).sort()).toEqual([...deliveriesA].sort());
    for (const id of ids.filter((x) => !x.startsWith('delivery-'))) expect(id.startsWith(`verify-${epA.id}-`), id).toBe(true);
    expect(ids.join(' ')).not.toContain(epB.id);
  });
});

describe('WebhookDeliveryStatus in Temporal visibility', () => {
  let slow: Stack;
  beforeAll(async () => {
    slow = await startStack({ retrySchedule: [60] });
  });
  afterAll(async () => {
    await slow?.stop();
  });

  it('moves from pending (waiting out a backoff) to delivered after a retry, as `temporal workflow list` sees it', async () => {
    const tenant = await slow.newTenant();
    const r = await receiver((i) => (i === 0 ? { status: 500, body: 'busy' } : { status: 200 }));
    const ep = await createEndpoint(tenant, { url: r.url });
    await publish(tenant, 'order.created', { order: 'o_backoff' });
    const [delivery] = await listDeliveries(tenant, `?endpoint_id=${ep.id}`);
    const workflowId = deliveryWorkflowId(delivery.id);

    // One failed attempt, then a backoff of about a minute.
    await waitFor(async () => (await getDelivery(tenant, delivery.id)).next_attempt_at !== null, 20_000, 'the backoff');
    const pending = await waitForListed(`WebhookEndpointId='${ep.id}' AND WebhookDeliveryStatus='pending'`, 1);
    expect(pending[0]).toMatchObject({ workflowId, status: 'WORKFLOW_EXECUTION_STATUS_RUNNING' });
    expect(await listWorkflows(`WebhookEndpointId='${ep.id}' AND WebhookDeliveryStatus='delivered'`)).toEqual([]);

    const retry = await tenant.api('POST', `/deliveries/${delivery.id}/retry`);
    expect(retry.status, JSON.stringify(retry.body)).toBe(202);
    await waitForDeliveryStatus(tenant, delivery.id, 'delivered', 20_000);

    const delivered = await waitForListed(`WebhookEndpointId='${ep.id}' AND WebhookDeliveryStatus='delivered'`, 1);
    expect(delivered[0]).toMatchObject({ workflowId, status: 'WORKFLOW_EXECUTION_STATUS_COMPLETED' });
    expect(await listWorkflows(`WebhookEndpointId='${ep.id}' AND WebhookDeliveryStatus='pending'`)).toEqual([]);
  });
});
