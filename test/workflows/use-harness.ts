/**
 * The per-file set-up of the workflow tests: one harness for the file, each test's workers and
 * receivers stopped after it.
 */
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import type { DeliveryState } from '../../workflows/messages.js';
import { receiverPool } from '../helpers/receiver.js';
import { openHarness, type Harness } from './harness.js';

/**
 * Registers the file's hooks and returns its harness (usable from `beforeAll` on: a stand-in that
 * forwards to the harness once it is open) and its receiver pool.
 */
export function useWorkflowHarness(): { harness: Harness; receivers: ReturnType<typeof receiverPool> } {
  let opened: Harness | undefined;
  const receivers = receiverPool();
  const harness = new Proxy({} as Harness, {
    get(_target, key) {
      if (!opened) throw new Error('the workflow harness is used before its beforeAll hook opened it');
      const value: unknown = Reflect.get(opened, key);
      return typeof value === 'function' ? value.bind(opened) : value;
    },
  });
  beforeAll(async () => {
    opened = await openHarness(inject('hookline'));
  });
  afterEach(async () => {
    await opened?.stopWorkers();
    await receivers.closeAll();
  });
  afterAll(async () => {
    await opened?.close();
  });
  return { harness, receivers };
}

/** The delivery workflow's state, from its status query. */
export function stateOf(handle: WorkflowHandle): Promise<DeliveryState> {
  return handle.query<DeliveryState>('status');
}
