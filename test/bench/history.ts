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

export interface TaskTimeoutsResult {
  /** Delivery workflows whose histories were read (those of the step-up's highest rates first). */
  sampled: number;
  /** WorkflowTaskTimedOut events: a live worker answering later than the workflow task timeout. */
  workflowTaskTimeouts: number;
  /** ActivityTaskTimedOut events: an attempt whose heartbeats did not reach the server in time. */
  activityTimeouts: number;
  /** Workflows with at least one timeout. */
  affected: number;
  /** The workflow task timeout the workers started the deliveries with (seconds). */
  workflowTaskTimeoutSeconds: number | null;
}

const { EventType } = protobufs.temporal.api.enums.v1;

/**
 * Timeouts under load, read from Temporal: every killed worker is noticed by a timeout, so the
 * shorter the timeouts the faster the failover — unless a live worker, slowed by saturation, misses
 * them. The deliveries of the windows given (the step-up's overloaded steps) are read, up to `cap`.
 */
export async function taskTimeoutsUnderLoad(
  orm: Orm,
  connection: Connection,
  namespace: string,
  endpointId: string,
  windows: readonly { start: number; end: number }[],
  cap: number,
): Promise<TaskTimeoutsResult> {
  const epoch = (t: number) => new Date(performance.timeOrigin + t);
  const ids: string[] = [];
  for (const w of windows) {
    if (ids.length >= cap) break;
    const rows = await orm.em
      .fork()
      .getConnection()
      .execute<{ id: string }[]>(`select id from deliveries where endpoint_id = ? and created_at >= ? and created_at < ? order by created_at limit ?`, [
        endpointId,
        epoch(w.start),
        epoch(w.end),
        cap - ids.length,
      ]);
    ids.push(...rows.map((r) => r.id));
  }
  const client = new Client({ connection, namespace });
  const result: TaskTimeoutsResult = { sampled: 0, workflowTaskTimeouts: 0, activityTimeouts: 0, affected: 0, workflowTaskTimeoutSeconds: null };
  const next = ids.values();
  const readOne = async (): Promise<void> => {
    for (const id of next) {
      const history = await client.workflow.getHandle(deliveryWorkflowId(id)).fetchHistory();
      const events = history.events ?? [];
      const started = events[0]?.workflowExecutionStartedEventAttributes?.workflowTaskTimeout;
      if (started && result.workflowTaskTimeoutSeconds === null) result.workflowTaskTimeoutSeconds = Number(started.seconds ?? 0);
      const wft = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT).length;
      const act = events.filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT).length;
      result.sampled += 1;
      result.workflowTaskTimeouts += wft;
      result.activityTimeouts += act;
      if (wft + act > 0) result.affected += 1;
    }
  };
  await Promise.all(Array.from({ length: 8 }, readOne));
  return result;
}
