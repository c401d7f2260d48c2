import { randomBytes } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps, type AttemptOutcome } from '../../activities/index.js';
import { loadCatalogue } from '../../src/catalog/index.js';
import { loadConfig } from '../../src/config.js';
import { Attempt, Delivery, Endpoint } from '../../src/db/entities/index.js';
import { createOrm, type Orm } from '../../src/db/orm.js';
import { AddressPolicy } from '../../src/delivery/address-policy.js';
import { HttpSender } from '../../src/delivery/http-sender.js';
import { createLogger } from '../../src/logger.js';
import { secretBoxFor } from '../../src/main/key-ring.js';
import type { Actor } from '../../src/services/actor.js';
import { ensureTenant } from '../../src/services/api-keys.js';
import { EndpointCreateSchema, EndpointTestSchema, EndpointUpdateSchema } from '../../src/schemas/endpoints.js';
import type { z } from 'zod';
import { createServices } from '../../src/services/index.js';
import { createOperationalEventPublisher } from '../../src/services/operational-events.js';
import { createDeliveryWorkflows, type DeliveryWorkflows } from '../../src/temporal/client.js';
import { installTemporalRuntime } from '../../src/temporal/runtime.js';
import { STICKY_SCHEDULE_TO_START_TIMEOUT } from '../../src/temporal/worker.js';
import { deliveryWorkflowId } from '../../src/temporal/workflow-ids.js';

/** Where the harness finds Temporal, the database, the key ring and the workflow bundle. */
export interface HarnessEnv {
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
  encryptionKeys: string;
  workflowBundlePath: string;
}

export type AttemptInput = Parameters<ReturnType<typeof createActivities>['attemptDelivery']>[0];

/** What one worker of the harness is configured with; anything left out takes the engine's default. */
export interface HarnessWorkerOptions {
  retryScheduleSeconds?: number[];
  maxRetryIntervalSeconds?: number;
  holdDeadlineSeconds?: number;
  verifyTimeoutSeconds?: number;
  housekeeping?: Partial<ActivityDeps['housekeeping']>;
  /**
   * Runs after each real `attemptDelivery` has done its work and before the workflow hears the
   * outcome, so a test can make a signal arrive at exactly that moment.
   */
  afterAttempt?: (input: AttemptInput, outcome: AttemptOutcome) => Promise<void>;
  /** The worker's identity, written into the history it makes (default: the harness's). */
  identity?: string;
}

/** A tenant of the test's own, with the services that act on its behalf. */
export interface HarnessTenant {
  id: string;
  actor: Actor;
  createEndpoint(input: z.input<typeof EndpointCreateSchema>): Promise<{ endpoint: Endpoint; secret: string }>;
  updateEndpoint(id: string, input: z.input<typeof EndpointUpdateSchema>): Promise<Endpoint>;
  /** Publishes an event and returns the ids of its deliveries. */
  publish(type: string, data: Record<string, unknown>): Promise<string[]>;
  /** A test event to one endpoint (`POST /endpoints/{id}/test`); returns its delivery id. */
  sendTest(endpointId: string): Promise<string>;
  /** `POST /deliveries/{id}/retry`. */
  retry(deliveryId: string): Promise<void>;
}

/** A Temporal worker running the real workflow bundle and the real activities on a task queue of its own. */
export interface HarnessWorker {
  taskQueue: string;
  deps: ActivityDeps;
  workflows: DeliveryWorkflows;
  newTenant(id?: string): Promise<HarnessTenant>;
  /** Starts the delivery's workflow as the dispatcher does and returns its handle. */
  startDelivery(deliveryId: string): Promise<WorkflowHandle>;
  /** Terminates what still runs on the task queue, then shuts the worker down. */
  stop(): Promise<void>;
}

export interface Harness {
  env: HarnessEnv;
  temporal: TestWorkflowEnvironment;
  orm: Orm;
  startWorker(options?: HarnessWorkerOptions): Promise<HarnessWorker>;
  /** Stops every worker started so far (for `afterEach`). */
  stopWorkers(): Promise<void>;
  delivery(id: string): Promise<Delivery>;
  /** The delivery's attempts, by number. */
  attempts(deliveryId: string): Promise<Attempt[]>;
  close(): Promise<void>;
}

const logger = createLogger(process.env.LOG_LEVEL ?? 'silent', 'hookline-workflow-test');

/**
 * Workflow tests against a running Temporal server: a `TestWorkflowEnvironment` over it, the
 * database, and workers that run the project's workflow bundle with `createActivities` over real
 * dependencies (PostgreSQL, the HTTP sender, the operational event publisher).
 */
export async function openHarness(env: HarnessEnv, options: { identity?: string } = {}): Promise<Harness> {
  installTemporalRuntime(logger);
  const temporal = await TestWorkflowEnvironment.createFromExistingServer({
    address: env.temporalAddress,
    namespace: env.namespace,
    ...(options.identity && { client: { identity: options.identity } }),
  });
  const orm = await createOrm(env.databaseUrl, { max: 4 });
  const config = loadConfig({ HOOKLINE_ENCRYPTION_KEYS: env.encryptionKeys, HOOKLINE_ALLOW_PRIVATE_TARGETS: 'true' });
  const secretBox = secretBoxFor(config, false);
  const catalogue = loadCatalogue();
  const started: HarnessWorker[] = [];

  async function startWorker(workerOptions: HarnessWorkerOptions = {}): Promise<HarnessWorker> {
    const identity = workerOptions.identity ?? options.identity;
    const taskQueue = `hookline-wf-test-${randomBytes(4).toString('hex')}`;
    const settings = { address: env.temporalAddress, namespace: env.namespace, taskQueue, uiUrl: undefined, verifyTimeoutSeconds: workerOptions.verifyTimeoutSeconds };
    const workflows = createDeliveryWorkflows(temporal.client, settings);
    const sender = new HttpSender(new AddressPolicy({ allowPrivate: true }));
    const schedule = workerOptions.retryScheduleSeconds ?? config.retryScheduleSeconds;
    const deps: ActivityDeps = {
      orm,
      secretBox,
      sender,
      logger,
      temporal: temporal.client,
      workflows,
      operationalEvents: createOperationalEventPublisher({ orm, workflows, catalogue, logger }),
      delivery: {
        retryScheduleSeconds: schedule,
        maxRetryIntervalSeconds: workerOptions.maxRetryIntervalSeconds ?? Math.max(...schedule),
        holdDeadlineSeconds: workerOptions.holdDeadlineSeconds ?? config.holdDeadlineSeconds,
      },
      verification: { timeoutSeconds: workerOptions.verifyTimeoutSeconds ?? config.verifyTimeoutSeconds },
      housekeeping: { ...config.housekeeping, ...workerOptions.housekeeping },
    };
    const activities = createActivities(deps);
    const { afterAttempt } = workerOptions;
    if (afterAttempt) {
      const attemptDelivery = activities.attemptDelivery;
      activities.attemptDelivery = async (input) => {
        const outcome = await attemptDelivery(input);
        const heartbeat = setInterval(() => Context.current().heartbeat(), 1000);
        try {
          await afterAttempt(input, outcome);
        } finally {
          clearInterval(heartbeat);
        }
        return outcome;
      };
    }
    const worker = await Worker.create({
      connection: temporal.nativeConnection,
      namespace: env.namespace,
      taskQueue,
      workflowBundle: { codePath: env.workflowBundlePath },
      activities,
      ...(identity && { identity }),
      stickyQueueScheduleToStartTimeout: STICKY_SCHEDULE_TO_START_TIMEOUT,
      maxHeartbeatThrottleInterval: '1 second',
      shutdownGraceTime: '5 seconds',
    });
    const running = worker.run();
    const services = createServices({ orm, secretBox, workflows, catalogue, logger, addressPolicy: new AddressPolicy({ allowPrivate: true }) });

    const harnessWorker: HarnessWorker = {
      taskQueue,
      deps,
      workflows,
      async newTenant(id = `t_wf_${randomBytes(5).toString('hex')}`) {
        await ensureTenant(orm.em.fork(), id);
        const actor: Actor = { tenantId: id, environment: 'test', scopes: ['manage_webhooks', 'publish_events'], name: 'workflow-test', requestId: null };
        return {
          id,
          actor,
          createEndpoint: (input) => services().endpoints.create(actor, EndpointCreateSchema.parse(input)),
          updateEndpoint: (endpointId, input) => services().endpoints.update(actor, endpointId, EndpointUpdateSchema.parse(input)),
          async publish(type, data) {
            const { event } = await services().events.publish(actor, { type, data });
            const rows = await orm.em.fork().find(Delivery, { eventId: event.id }, { orderBy: { id: 'asc' } });
            return rows.map((d) => d.id);
          },
          async sendTest(endpointId) {
            return (await services().endpoints.sendTest(actor, endpointId, EndpointTestSchema.parse({}))).id;
          },
          async retry(deliveryId) {
            await services().deliveries.retry(actor, deliveryId);
          },
        };
      },
      async startDelivery(deliveryId) {
        const em = orm.em.fork();
        const row = await em.findOneOrFail(Delivery, { id: deliveryId });
        const endpoint = await em.findOneOrFail(Endpoint, { id: row.endpointId });
        await workflows.start(row, endpoint.url);
        return temporal.client.workflow.getHandle(deliveryWorkflowId(deliveryId));
      },
      async stop() {
        const query = `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"`;
        for await (const run of temporal.client.workflow.list({ query })) {
          await temporal.client.workflow.getHandle(run.workflowId, run.runId).terminate('test over').catch(() => undefined);
        }
        worker.shutdown();
        await running;
        await sender.close();
      },
    };
    started.push(harnessWorker);
    return harnessWorker;
  }

  return {
    env,
    temporal,
    orm,
    startWorker,
    async stopWorkers() {
      await Promise.all(started.splice(0).map((w) => w.stop()));
    },
    delivery: (id) => orm.em.fork().findOneOrFail(Delivery, { id }),
    attempts: (deliveryId) => orm.em.fork().find(Attempt, { deliveryId }, { orderBy: { attempt: 'asc' } }),
    async close() {
      await orm.close();
      await temporal.teardown();
    },
  };
}

/**
 * The workflow's result, or a failure naming the phase it is stuck in once `ms` have passed: a
 * delivery that waits where it should not fails fast instead of running into the test timeout.
 */
export async function resultWithin<T>(handle: WorkflowHandle, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      handle
        .query<{ phase: string }>('status')
        .then(
          (state) => `phase ${state.phase}`,
          () => 'phase unknown',
        )
        .then((phase) => reject(new Error(`workflow ${handle.workflowId} still running after ${ms} ms (${phase})`)));
    }, ms);
  });
  try {
    return await Promise.race([handle.result() as Promise<T>, late]);
  } finally {
    clearTimeout(timer);
  }
}
