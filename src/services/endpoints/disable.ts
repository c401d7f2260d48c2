import type { EntityManager } from '@mikro-orm/postgresql';
import { Endpoint, type EndpointStatus, type Environment } from '../../db/entities/index.js';
import type { DeliverySignal, DeliveryWorkflows } from '../../temporal/client.js';
import type { Actor } from '../actor.js';
import { audit } from '../audit.js';

/** Why an endpoint is disabled: by its owner, by a 410 Gone, or after failing for too long. */
export type DisabledReason = 'manual' | 'gone' | 'failing';

export interface EndpointToDisable {
  endpoint: { id: string; tenantId: string; environment: Environment; status: EndpointStatus };
  reason: DisabledReason;
  /** Who disables it, in the audit entry (`system` for a 410 and auto-disable). */
  actor: Actor;
  /** What else the audit entry records: the PATCH's fields, the failing run, the 410's delivery. */
  changes?: Record<string, unknown>;
}

/** Workflows signalled at once, so a long list of stopped deliveries does not flood Temporal. */
const SIGNAL_BATCH = 50;

/**
 * Disables an endpoint inside the caller's transaction `tx` (which should hold the endpoint's
 * row lock): the row becomes `disabled` with its reason, every other pending delivery of the
 * endpoint ends `failed` / `endpoint_disabled`, and one `endpoint.updated` audit entry records
 * the change. The API, a 410 Gone and auto-disable all go through here, so they have the same
 * effect. Returns the stopped deliveries: hand them to {@link wakeStoppedDeliveries} once `tx`
 * has committed.
 */
export async function disableEndpoint(tx: EntityManager, { endpoint, reason, actor, changes }: EndpointToDisable): Promise<string[]> {
  await tx.nativeUpdate(Endpoint, { id: endpoint.id }, { status: 'disabled', disabledReason: reason, pausedAt: null, updatedAt: new Date() });
  const stopped = await tx.execute<{ id: string }[]>(
    `update deliveries set status = 'failed', failure_reason = 'endpoint_disabled', next_attempt_at = null, updated_at = now()
      where endpoint_id = ? and status = 'pending'
      returning id`,
    [endpoint.id],
  );
  audit(tx, actor, {
    action: 'endpoint.updated',
    resourceType: 'endpoint',
    resourceId: endpoint.id,
    changes: {
      ...changes,
      status: { from: endpoint.status, to: 'disabled' },
      disabled_reason: reason,
      deliveries_stopped: stopped.length,
    },
  });
  return stopped.map((row) => row.id);
}

/** Signals delivery workflows in batches; a workflow that is gone already is skipped. */
export async function signalDeliveries(workflows: Pick<DeliveryWorkflows, 'signal'>, deliveryIds: readonly string[], signal: DeliverySignal): Promise<void> {
  for (let i = 0; i < deliveryIds.length; i += SIGNAL_BATCH) {
    await Promise.all(deliveryIds.slice(i, i + SIGNAL_BATCH).map((id) => workflows.signal(id, signal).catch(() => false)));
  }
}

/**
 * Wakes the workflows of deliveries {@link disableEndpoint} stopped: their rows are `failed`
 * already, and an attempt now lets each end at once instead of after its backoff. Best effort:
 * a workflow that misses the signal ends at its next attempt all the same.
 */
export const wakeStoppedDeliveries = (workflows: Pick<DeliveryWorkflows, 'signal'>, deliveryIds: readonly string[]) =>
  signalDeliveries(workflows, deliveryIds, 'attemptNow');
