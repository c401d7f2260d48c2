import { randomBytes } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { newId } from '../../../src/ids.js';
import { housekeepingWorkflowId, verificationWorkflowId, type HousekeepingJob } from '../../../src/temporal/workflow-ids.js';
import { disableFailingEndpointsWorkflow, purgeExpiredDataWorkflow, reconcileDeliveriesWorkflow } from '../../../workflows/housekeeping.js';
import { verifyEndpointWorkflow } from '../../../workflows/verify-endpoint.js';
import { waitFor } from '../../helpers/receiver.js';
import { closed, PAYLOAD_MARKER, type Scenario, type ScenarioContext } from './scenario.js';

/** The verification run an endpoint's creation started, once it has closed. */
async function verificationOf(ctx: ScenarioContext, endpointId: string): Promise<WorkflowHandle> {
  const query = `WorkflowType = "verifyEndpointWorkflow" AND WebhookEndpointId = "${endpointId}" AND ExecutionStatus != "Running"`;
  const workflowId = await waitFor(
    async () => {
      for await (const run of ctx.harness.temporal.client.workflow.list({ query })) return run.workflowId;
      return undefined;
    },
    20_000,
    `the verification run of ${endpointId}`,
  );
  return ctx.harness.temporal.client.workflow.getHandle(workflowId);
}

async function verifiedEndpoint(ctx: ScenarioContext, answer?: Parameters<ScenarioContext['receiver']>[1]) {
  const receiver = await ctx.receiver(undefined, answer);
  const created = await ctx.tenant.createEndpoint({ url: receiver.url });
  ctx.secret(created.secret);
  return verificationOf(ctx, created.endpoint.id);
}

const housekeepingWorkflows = {
  reconcile: reconcileDeliveriesWorkflow,
  'auto-disable': disableFailingEndpointsWorkflow,
  retention: purgeExpiredDataWorkflow,
} as const;

/** Runs one housekeeping job's workflow as its Schedule would, and waits for it to close. */
async function runHousekeeping(ctx: ScenarioContext, job: HousekeepingJob): Promise<WorkflowHandle> {
  const handle = await ctx.harness.temporal.client.workflow.start(housekeepingWorkflows[job], {
    taskQueue: ctx.worker.taskQueue,
    workflowId: `${housekeepingWorkflowId(job, ctx.worker.taskQueue)}-${randomBytes(4).toString('hex')}`,
  });
  return closed(handle);
}

async function sql(ctx: ScenarioContext, statement: string, params: unknown[]): Promise<void> {
  await ctx.harness.orm.em.fork().execute(statement, params, 'run');
}

/** The verification handshake and the three housekeeping jobs. */
export const otherScenarios: Scenario[] = [
  {
    name: 'verifyEndpointWorkflow--verified',
    workflowType: 'verifyEndpointWorkflow',
    run: (ctx) => verifiedEndpoint(ctx),
  },
  {
    name: 'verifyEndpointWorkflow--not-verified',
    workflowType: 'verifyEndpointWorkflow',
    run: (ctx) => verifiedEndpoint(ctx, { verification: () => ({ status: 500, body: 'no' }) }),
  },
  {
    name: 'verifyEndpointWorkflow--endpoint-missing',
    workflowType: 'verifyEndpointWorkflow',
    async run(ctx) {
      const endpointId = newId('endpoint');
      const handle = await ctx.harness.temporal.client.workflow.start(verifyEndpointWorkflow, {
        taskQueue: ctx.worker.taskQueue,
        workflowId: verificationWorkflowId(endpointId),
        args: [{ endpointId }],
      });
      return closed(handle);
    },
  },
  {
    // A committed pending delivery whose workflow never started: the reconciler starts it.
    name: 'reconcileDeliveriesWorkflow--started-a-lost-delivery',
    workflowType: 'reconcileDeliveriesWorkflow',
    async run(ctx) {
      const receiver = await ctx.receiver();
      const created = await ctx.tenant.createEndpoint({ url: receiver.url });
      ctx.secret(created.secret);
      const [deliveryId] = await ctx.tenant.publish('order.created', { note: PAYLOAD_MARKER });
      await sql(ctx, `update deliveries set dispatch_after = null, dispatch_queue = null, created_at = now() - interval '1 minute' where id = ?`, [deliveryId]);
      return runHousekeeping(ctx, 'reconcile');
    },
  },
  {
    name: 'disableFailingEndpointsWorkflow--disabled-one',
    workflowType: 'disableFailingEndpointsWorkflow',
    worker: { housekeeping: { autoDisableAfterSeconds: 60 } },
    async run(ctx) {
      const receiver = await ctx.receiver(() => ({ status: 500 }));
      const created = await ctx.tenant.createEndpoint({ url: receiver.url });
      ctx.secret(created.secret);
      await sql(ctx, `update endpoints set consecutive_failures = 5, failing_since = now() - interval '2 minutes' where id = ?`, [created.endpoint.id]);
      return runHousekeeping(ctx, 'auto-disable');
    },
  },
  {
    name: 'purgeExpiredDataWorkflow--purged-old-deliveries',
    workflowType: 'purgeExpiredDataWorkflow',
    async run(ctx) {
      const receiver = await ctx.receiver();
      const created = await ctx.tenant.createEndpoint({ url: receiver.url });
      ctx.secret(created.secret);
      const [deliveryId] = await ctx.tenant.publish('order.created', { note: PAYLOAD_MARKER });
      await closed(await ctx.worker.startDelivery(deliveryId!));
      const old = `now() - interval '40 days'`;
      await sql(ctx, `update deliveries set created_at = ${old}, updated_at = ${old} where id = ?`, [deliveryId]);
      await sql(ctx, `update events set created_at = ${old} where id = (select event_id from deliveries where id = ?)`, [deliveryId]);
      return runHousekeeping(ctx, 'retention');
    },
  },
];
