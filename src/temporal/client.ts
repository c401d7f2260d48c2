import {
  Client,
  Connection,
  TimeoutFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { deliverWebhookWorkflowV2 } from '../../workflows/deliver.js';
import { verifyEndpointWorkflow } from '../../workflows/verify-endpoint.js';
import { attemptNowSignal, pauseSignal, resumeSignal } from '../../workflows/messages.js';
import { searchAttributes } from './search-attributes.js';
import { deliveryWorkflowId, verificationWorkflowId } from './workflow-ids.js';

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  uiUrl: string | undefined;
  /** The receiver's limit in the verification handshake (default 30). */
  verifyTimeoutSeconds?: number | undefined;
  /** A delivery workflow's task timeout (Temporal's default of 10 s when unset). */
  workflowTaskTimeoutSeconds?: number | undefined;
}

export interface DeliveryToStart {
  id: string;
  tenantId: string;
  endpointId: string;
  eventType: string;
}

export type DeliverySignal = 'pause' | 'resume' | 'attemptNow';

/** The endpoint a verification handshake goes to: for the workflow's summary and search attributes. */
export interface VerificationTarget {
  url: string;
  tenantId: string;
}

export interface VerificationResult {
  verified: boolean;
  reason?: string;
}

/**
 * What the services need of Temporal: start delivery workflows and signal them, and run
 * verification handshakes.
 */
export interface DeliveryWorkflows {
  /** The task queue the workflows run on; new deliveries are queued for its dispatchers. */
  readonly taskQueue: string;
  start(delivery: DeliveryToStart, endpointUrl: string): Promise<void>;
  signal(deliveryId: string, signal: DeliverySignal): Promise<boolean>;
  /** The delivery's workflow in the Temporal Web UI, when a UI is known. */
  uiLink(deliveryId: string): string | null;
  /** Runs the endpoint's verification handshake and waits for its result. */
  verify(endpointId: string, target?: VerificationTarget): Promise<VerificationResult>;
  /** Starts the endpoint's verification handshake; its result lands on the endpoint row. */
  startVerification(endpointId: string, target?: VerificationTarget): Promise<void>;
}

const DEFAULT_VERIFY_TIMEOUT_SECONDS = 30;
/** A verification run ends within the receiver's limit plus this (activities, worker pick-up). */
const VERIFY_RUN_MARGIN_SECONDS = 30;

const signals = { pause: pauseSignal, resume: resumeSignal, attemptNow: attemptNowSignal } as const;

/** Connects a Temporal client. */
export async function connectTemporal(settings: TemporalSettings): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address: settings.address });
  const client = new Client({ connection, namespace: settings.namespace });
  return { client, connection };
}

/** Delivery workflows over a Temporal client. */
export function createDeliveryWorkflows(
  client: Client,
  settings: TemporalSettings,
  options: { eagerStart?: boolean } = {},
): DeliveryWorkflows {
  return {
    taskQueue: settings.taskQueue,
    async start(delivery, endpointUrl) {
      try {
        await client.workflow.start(deliverWebhookWorkflowV2, {
          taskQueue: settings.taskQueue,
          workflowId: deliveryWorkflowId(delivery.id),
          args: [{ deliveryId: delivery.id }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          ...(settings.workflowTaskTimeoutSeconds && { workflowTaskTimeout: settings.workflowTaskTimeoutSeconds * 1000 }),
          // From a worker's own connection: the server hands the first task straight back to it.
          ...(options.eagerStart && { requestEagerStart: true }),
          staticSummary: `${delivery.eventType} → ${hostOf(endpointUrl)}`,
          staticDetails: `Delivery ${delivery.id} of a ${delivery.eventType} event to endpoint ${delivery.endpointId}`,
          typedSearchAttributes: [
            { key: searchAttributes.tenantId, value: delivery.tenantId },
            { key: searchAttributes.endpointId, value: delivery.endpointId },
            { key: searchAttributes.eventType, value: delivery.eventType },
            { key: searchAttributes.deliveryStatus, value: 'pending' },
          ],
        });
      } catch (err) {
        // Started before (and already finished): starting is idempotent.
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    },
    async signal(deliveryId, name) {
      try {
        await client.workflow.getHandle(deliveryWorkflowId(deliveryId)).signal(signals[name]);
        return true;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },
    async verify(endpointId, target) {
      try {
        return await client.workflow.execute(verifyEndpointWorkflow, verificationOptions(settings, endpointId, target));
      } catch (err) {
        // The run hit its execution timeout (no worker picked it up in time, say).
        if (err instanceof WorkflowFailedError && err.cause instanceof TimeoutFailure) return { verified: false, reason: 'timeout' };
        throw err;
      }
    },
    async startVerification(endpointId, target) {
      await client.workflow.start(verifyEndpointWorkflow, verificationOptions(settings, endpointId, target));
    },
    uiLink(deliveryId) {
      if (!settings.uiUrl) return null;
      const id = encodeURIComponent(deliveryWorkflowId(deliveryId));
      return `${settings.uiUrl}/namespaces/${encodeURIComponent(settings.namespace)}/workflows/${id}`;
    },
  };
}

/** One verification run: a fresh id, bounded as a whole, findable by endpoint in the Web UI. */
function verificationOptions(
  settings: TemporalSettings,
  endpointId: string,
  target: VerificationTarget | undefined,
): WorkflowStartOptions<typeof verifyEndpointWorkflow> {
  const limitSeconds = settings.verifyTimeoutSeconds ?? DEFAULT_VERIFY_TIMEOUT_SECONDS;
  return {
    taskQueue: settings.taskQueue,
    workflowId: verificationWorkflowId(endpointId),
    args: [{ endpointId }],
    workflowExecutionTimeout: (limitSeconds + VERIFY_RUN_MARGIN_SECONDS) * 1000,
    staticSummary: `verify → ${target ? hostOf(target.url) : endpointId}`,
    staticDetails: `URL-ownership handshake of endpoint ${endpointId}`,
    typedSearchAttributes: [
      { key: searchAttributes.endpointId, value: endpointId },
      ...(target ? [{ key: searchAttributes.tenantId, value: target.tenantId }] : []),
    ],
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid-url';
  }
}
