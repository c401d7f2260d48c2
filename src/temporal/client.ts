import { Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { deliverWebhookWorkflow } from '../../workflows/deliver.js';
import { attemptNowSignal, pauseSignal, resumeSignal } from '../../workflows/messages.js';
import { searchAttributes } from './search-attributes.js';
import { deliveryWorkflowId } from './workflow-ids.js';

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  uiUrl: string | undefined;
}

export interface DeliveryToStart {
  id: string;
  tenantId: string;
  endpointId: string;
  eventType: string;
}

export type DeliverySignal = 'pause' | 'resume' | 'attemptNow';

/** What the services need of Temporal: start delivery workflows and signal them. */
export interface DeliveryWorkflows {
  start(delivery: DeliveryToStart, endpointUrl: string): Promise<void>;
  signal(deliveryId: string, signal: DeliverySignal): Promise<boolean>;
  /** The delivery's workflow in the Temporal Web UI, when a UI is known. */
  uiLink(deliveryId: string): string | null;
}

const signals = { pause: pauseSignal, resume: resumeSignal, attemptNow: attemptNowSignal } as const;

/** Connects a Temporal client. */
export async function connectTemporal(settings: TemporalSettings): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address: settings.address });
  const client = new Client({ connection, namespace: settings.namespace });
  return { client, connection };
}

/** Delivery workflows over a Temporal client. */
export function createDeliveryWorkflows(client: Client, settings: TemporalSettings): DeliveryWorkflows {
  return {
    async start(delivery, endpointUrl) {
      try {
        await client.workflow.start(deliverWebhookWorkflow, {
          taskQueue: settings.taskQueue,
          workflowId: deliveryWorkflowId(delivery.id),
          args: [{ deliveryId: delivery.id }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
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
    uiLink(deliveryId) {
      if (!settings.uiUrl) return null;
      const id = encodeURIComponent(deliveryWorkflowId(deliveryId));
      return `${settings.uiUrl}/namespaces/${encodeURIComponent(settings.namespace)}/workflows/${id}`;
    },
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid-url';
  }
}
