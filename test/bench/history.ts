/**
 * History events per first-try delivery, read from Temporal: every history event is a write the
 * server persists, so this is the engine's Temporal cost per delivery, independent of the machine.
 */
import { Client, type Connection } from '@temporalio/client';
import protobufs from '@temporalio/proto';
import type { Orm } from '../../src/db/orm.js';
import { deliveryWorkflowId } from '../../src/temporal/workflow-ids.js';
import { median } from './stats.js';

export interface HistoryResult {
  sampled: number;
  min: number;
  median: number;
  max: number;
  /** The event types of one sampled workflow, in order: where the events come from. */
  example: { workflowId: string; events: string[] } | null;
}

export async function historyEventsPerFirstTryDelivery(
  orm: Orm,
  connection: Connection,
  namespace: string,
  endpointIds: readonly string[],
  sampleSize: number,
): Promise<HistoryResult> {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ id: string }[]>(
      `select id from deliveries
        where status = 'delivered' and attempt_count = 1 and endpoint_id in (${endpointIds.map(() => '?').join(', ')})
        order by created_at desc limit ?`,
      [...endpointIds, sampleSize],
    );
  const client = new Client({ connection, namespace });
  const counts: number[] = [];
  let example: HistoryResult['example'] = null;
  for (const { id } of rows) {
    const workflowId = deliveryWorkflowId(id);
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const events = history.events ?? [];
    counts.push(events.length);
    example ??= {
      workflowId,
      events: events.map((e) => (protobufs.temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType)).replace(/^EVENT_TYPE_/, '')),
    };
  }
  return {
    sampled: counts.length,
    min: counts.length ? Math.min(...counts) : NaN,
    median: median(counts),
    max: counts.length ? Math.max(...counts) : NaN,
    example,
  };
}
