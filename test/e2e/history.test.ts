import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { deliverOne, waitForDeliveryStatus } from '../helpers/api.js';
import { deliveryWorkflowId } from '../../src/temporal/workflow-ids.js';
import { historyEventTypes, historyText } from '../helpers/history.js';
import { DEFAULT_WORKFLOW_TASK_TIMEOUT_SECONDS } from '../../src/config.js';

let stack: Stack;
const receivers: Receiver[] = [];

beforeAll(async () => {
  stack = await startStack({ retrySchedule: [1, 1] });
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await stack?.stop();
});


async function finishedHistory(status: 'delivered' | 'dead_letter', reply: (i: number) => { status: number }) {
  const tenant = await stack.newTenant();
  const marker = `customer-secret-data-${randomBytes(8).toString('hex')}`;
  const r = await startReceiver(reply);
  receivers.push(r);
  const { deliveryId, endpoint } = await deliverOne(tenant, r.url, { note: marker });
  await waitForDeliveryStatus(tenant, deliveryId, status);
  const handle = stack.temporal.workflow.getHandle(deliveryWorkflowId(deliveryId));
  // The final status is upserted in the last workflow task; wait for the run to close.
  await handle.result().catch(() => undefined);
  return { history: await handle.fetchHistory(), deliveryId, marker, secret: endpoint.signing_secret, workflowId: handle.workflowId };
}

describe('delivery workflow history', () => {
  it('takes at most 7 history events and one workflow task for a delivery accepted at the first attempt', async () => {
    const { history } = await finishedHistory('delivered', () => ({ status: 200 }));
    const types = historyEventTypes(history);
    expect(types.length, types.join(', ')).toBeLessThanOrEqual(7);
    // The attempt ran as a local activity (a marker) inside the one workflow task.
    expect(types.filter((t) => t === 'WORKFLOW_TASK_SCHEDULED')).toHaveLength(1);
    expect(types).toContain('MARKER_RECORDED');
    expect(types).not.toContain('ACTIVITY_TASK_SCHEDULED');
    expect(types.at(-1)).toBe('WORKFLOW_EXECUTION_COMPLETED');
    // Started with Hookline's workflow task timeout, not Temporal's 10 s: the first-attempt failover.
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    expect(Number(started?.workflowTaskTimeout?.seconds)).toBe(DEFAULT_WORKFLOW_TASK_TIMEOUT_SECONDS);
  });

  it('keeps the payload and the signing secret out of Temporal history', async () => {
    const { history, deliveryId, marker, secret } = await finishedHistory('delivered', (i) => ({ status: i === 0 ? 500 : 200 }));
    const text = historyText(history);
    // The decoding works: the ids the workflow does carry are found.
    expect(text).toContain(deliveryId);
    expect(text).not.toContain(marker);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.slice('whsec_'.length));
  });
});
