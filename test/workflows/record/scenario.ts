import type { WorkflowHandle } from '@temporalio/client';
import type { DeliveryState } from '../../../workflows/messages.js';
import type { Receiver, startReceiver } from '../../helpers/receiver.js';
import { waitFor } from '../../helpers/receiver.js';
import type { Harness, HarnessTenant, HarnessWorker, HarnessWorkerOptions } from '../harness.js';

/** What a scenario drives its workflow with: a worker and a tenant of its own, and receivers. */
export interface ScenarioContext {
  harness: Harness;
  worker: HarnessWorker;
  tenant: HarnessTenant;
  receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver>;
  /** A value that must not appear anywhere in the recorded history (a signing secret, say). */
  secret(value: string): void;
}

/** One situation of one workflow type, recorded as `<name>.json`. */
export interface Scenario {
  /** The file name: `<workflow type>--<situation>`. */
  name: string;
  workflowType: string;
  worker?: HarnessWorkerOptions;
  /** Drives the situation and resolves with the handle of the workflow to record. */
  run(ctx: ScenarioContext): Promise<WorkflowHandle>;
}

/** Put into every recorded event's data: a history that holds it carries customer payload. */
export const PAYLOAD_MARKER = 'payload-that-must-stay-in-postgres';

/** Resolves once the workflow has closed, whether it completed or failed. */
export async function closed(handle: WorkflowHandle): Promise<WorkflowHandle> {
  await handle.result().catch(() => undefined);
  return handle;
}

export async function waitForPhase(handle: WorkflowHandle, phase: DeliveryState['phase']): Promise<void> {
  await waitFor(async () => (await handle.query<DeliveryState>('status')).phase === phase, 15_000, `phase ${phase}`);
}
