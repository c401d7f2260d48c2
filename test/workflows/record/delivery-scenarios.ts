import type { WorkflowHandle } from '@temporalio/client';
import { Delivery } from '../../../src/db/entities/index.js';
import type { z } from 'zod';
import type { EndpointCreateSchema } from '../../../src/schemas/endpoints.js';
import { searchAttributes } from '../../../src/temporal/search-attributes.js';
import { deliveryWorkflowId } from '../../../src/temporal/workflow-ids.js';
import type { Reply, ReceivedRequest } from '../../helpers/receiver.js';
import { closed, PAYLOAD_MARKER, waitForPhase, type Scenario, type ScenarioContext } from './scenario.js';

type Start = (ctx: ScenarioContext, deliveryId: string) => Promise<WorkflowHandle>;

const startV2: Start = (ctx, deliveryId) => ctx.worker.startDelivery(deliveryId);

/** The first version is started by type name, as deliveries started before V2 were. */
const startV1: Start = async (ctx, deliveryId) => {
  const row = await ctx.harness.orm.em.fork().findOneOrFail(Delivery, { id: deliveryId });
  return ctx.harness.temporal.client.workflow.start('deliverWebhookWorkflow', {
    taskQueue: ctx.worker.taskQueue,
    workflowId: deliveryWorkflowId(deliveryId),
    args: [{ deliveryId }],
    typedSearchAttributes: [
      { key: searchAttributes.tenantId, value: row.tenantId },
      { key: searchAttributes.endpointId, value: row.endpointId },
      { key: searchAttributes.eventType, value: row.eventType },
    ],
  });
};

/** An endpoint answering with `reply`, and one event published to it. */
async function oneDelivery(ctx: ScenarioContext, reply: (i: number, req: ReceivedRequest) => Reply, endpoint: Partial<z.input<typeof EndpointCreateSchema>> = {}) {
  const receiver = await ctx.receiver(reply);
  const created = await ctx.tenant.createEndpoint({ url: receiver.url, event_types: ['order.created'], ...endpoint });
  ctx.secret(created.secret);
  const [deliveryId] = await ctx.tenant.publish('order.created', { order: 'o_1', note: PAYLOAD_MARKER });
  return { receiver, endpoint: created.endpoint, deliveryId: deliveryId! };
}

/** The situations both versions of the delivery workflow are recorded in. */
function commonScenarios(type: string, start: Start): Scenario[] {
  return [
    {
      name: `${type}--delivered-first-try`,
      workflowType: type,
      async run(ctx) {
        const { deliveryId } = await oneDelivery(ctx, () => ({ status: 200 }));
        return closed(await start(ctx, deliveryId));
      },
    },
    {
      name: `${type}--retried-then-delivered`,
      workflowType: type,
      worker: { retryScheduleSeconds: [0.2, 0.2, 0.2] },
      async run(ctx) {
        const { deliveryId } = await oneDelivery(ctx, (i) => ({ status: i === 0 ? 500 : 200 }));
        return closed(await start(ctx, deliveryId));
      },
    },
    {
      // Four failures in a row announce endpoint.failing, the success after them endpoint.recovered.
      name: `${type}--failing-then-recovered`,
      workflowType: type,
      worker: { retryScheduleSeconds: [0.2, 0.2, 0.2, 0.2, 0.2] },
      async run(ctx) {
        const { deliveryId } = await oneDelivery(ctx, (i) => ({ status: i < 4 ? 503 : 200 }));
        return closed(await start(ctx, deliveryId));
      },
    },
    {
      name: `${type}--dead-lettered`,
      workflowType: type,
      worker: { retryScheduleSeconds: [0.2, 0.2] },
      async run(ctx) {
        const { deliveryId } = await oneDelivery(ctx, () => ({ status: 500 }));
        return closed(await start(ctx, deliveryId));
      },
    },
    {
      name: `${type}--paused-in-backoff-then-resumed`,
      workflowType: type,
      worker: { retryScheduleSeconds: [30, 30] },
      async run(ctx) {
        const { deliveryId, endpoint } = await oneDelivery(ctx, (i) => ({ status: i === 0 ? 500 : 200 }));
        const handle = await start(ctx, deliveryId);
        await waitForPhase(handle, 'backoff');
        await ctx.tenant.updateEndpoint(endpoint.id, { status: 'paused' });
        await waitForPhase(handle, 'held');
        await ctx.tenant.updateEndpoint(endpoint.id, { status: 'active' });
        return closed(handle);
      },
    },
    {
      name: `${type}--throttled`,
      workflowType: type,
      async run(ctx) {
        const { deliveryId, endpoint } = await oneDelivery(ctx, () => ({ status: 200 }), { rate_limit_per_second: 1 });
        // No token for a second and a half: the first attempt, and a retry or two, find none.
        await ctx.harness.orm.em.fork().execute(
          `insert into endpoint_rate_limits (endpoint_id, tokens_milli, refilled_at)
           values (?, 0, statement_timestamp() + interval '1500 milliseconds')`,
          [endpoint.id],
        );
        return closed(await start(ctx, deliveryId));
      },
    },
  ];
}

/** Situations recorded for the current version only. */
const v2Only: Scenario[] = [
  {
    // Held from the start; an attemptNow finds it still paused; the resume releases it.
    name: 'deliverWebhookWorkflowV2--held-attempt-now-then-resumed',
    workflowType: 'deliverWebhookWorkflowV2',
    async run(ctx) {
      const { deliveryId, endpoint } = await oneDelivery(ctx, () => ({ status: 200 }), { status: 'paused' });
      const handle = await startV2(ctx, deliveryId);
      await waitForPhase(handle, 'held');
      await ctx.tenant.retry(deliveryId);
      await waitForPhase(handle, 'held');
      await ctx.tenant.updateEndpoint(endpoint.id, { status: 'active' });
      return closed(handle);
    },
  },
  {
    name: 'deliverWebhookWorkflowV2--hold-deadline',
    workflowType: 'deliverWebhookWorkflowV2',
    worker: { holdDeadlineSeconds: 1 },
    async run(ctx) {
      const { deliveryId } = await oneDelivery(ctx, () => ({ status: 200 }), { status: 'paused' });
      return closed(await startV2(ctx, deliveryId));
    },
  },
  {
    name: 'deliverWebhookWorkflowV2--attempt-now-in-backoff',
    workflowType: 'deliverWebhookWorkflowV2',
    worker: { retryScheduleSeconds: [600] },
    async run(ctx) {
      const { deliveryId } = await oneDelivery(ctx, (i) => ({ status: i === 0 ? 500 : 200 }));
      const handle = await startV2(ctx, deliveryId);
      await waitForPhase(handle, 'backoff');
      await ctx.tenant.retry(deliveryId);
      return closed(handle);
    },
  },
  {
    name: 'deliverWebhookWorkflowV2--disabled-in-backoff',
    workflowType: 'deliverWebhookWorkflowV2',
    worker: { retryScheduleSeconds: [600] },
    async run(ctx) {
      const { deliveryId, endpoint } = await oneDelivery(ctx, () => ({ status: 500 }));
      const handle = await startV2(ctx, deliveryId);
      await waitForPhase(handle, 'backoff');
      await ctx.tenant.updateEndpoint(endpoint.id, { status: 'disabled' });
      return closed(handle);
    },
  },
  {
    // 410 Gone ends the delivery and disables the endpoint, announced by a step of its own.
    name: 'deliverWebhookWorkflowV2--gone',
    workflowType: 'deliverWebhookWorkflowV2',
    async run(ctx) {
      const { deliveryId } = await oneDelivery(ctx, () => ({ status: 410 }));
      return closed(await startV2(ctx, deliveryId));
    },
  },
  {
    name: 'deliverWebhookWorkflowV2--test-delivery-failed',
    workflowType: 'deliverWebhookWorkflowV2',
    async run(ctx) {
      const receiver = await ctx.receiver(() => ({ status: 500 }));
      const created = await ctx.tenant.createEndpoint({ url: receiver.url });
      ctx.secret(created.secret);
      return closed(await startV2(ctx, await ctx.tenant.sendTest(created.endpoint.id)));
    },
  },
];

/** Every recorded situation of the delivery workflows, current and first version. */
export const deliveryScenarios: Scenario[] = [
  ...commonScenarios('deliverWebhookWorkflowV2', startV2),
  ...v2Only,
  ...commonScenarios('deliverWebhookWorkflow', startV1),
];
