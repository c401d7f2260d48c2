import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import {
  disableFailingEndpointsWorkflow,
  purgeExpiredDataWorkflow,
  reconcileDeliveriesWorkflow,
} from '../../workflows/housekeeping.js';
import type { Workflow } from '@temporalio/common';
import type { HousekeepingConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { housekeepingScheduleId, housekeepingWorkflowId, type HousekeepingJob } from './workflow-ids.js';

const jobs: Record<HousekeepingJob, { workflow: Workflow; summary: string; every: (c: HousekeepingConfig) => number }> = {
  reconcile: {
    workflow: reconcileDeliveriesWorkflow,
    summary: 'Hookline: start the missing workflows of pending deliveries',
    every: (c) => c.reconcileIntervalSeconds,
  },
  'auto-disable': {
    workflow: disableFailingEndpointsWorkflow,
    summary: 'Hookline: disable endpoints that have been failing for too long',
    every: (c) => c.autoDisableIntervalSeconds,
  },
  retention: {
    workflow: purgeExpiredDataWorkflow,
    summary: 'Hookline: purge finished deliveries past retention',
    every: (c) => c.retentionIntervalSeconds,
  },
};

/** The Schedule of one housekeeping job on `taskQueue`. */
export function housekeepingSchedule(job: HousekeepingJob, taskQueue: string, config: HousekeepingConfig): ScheduleOptions {
  const { workflow, summary, every } = jobs[job];
  const everyMs = every(config) * 1000;
  return {
    scheduleId: housekeepingScheduleId(job, taskQueue),
    spec: { intervals: [{ every: everyMs }] },
    action: {
      type: 'startWorkflow',
      workflowType: workflow,
      taskQueue,
      workflowId: housekeepingWorkflowId(job, taskQueue),
      args: [],
      // A run no worker picks up does not hold its Schedule (overlap: skip) for ever.
      workflowExecutionTimeout: '4 hours',
      staticSummary: summary,
    },
    policies: {
      overlap: ScheduleOverlapPolicy.SKIP,
      // After an outage, one catch-up run is enough.
      catchupWindow: Math.max(everyMs, 10_000),
      pauseOnFailure: false,
    },
  };
}

/**
 * Creates the housekeeping Schedules of `taskQueue`, or brings existing ones in line with the
 * configuration. Every worker calls it at start: concurrent calls converge on the same Schedules.
 */
export async function ensureHousekeepingSchedules(
  client: Client,
  taskQueue: string,
  config: HousekeepingConfig,
  logger: Logger,
): Promise<void> {
  for (const job of Object.keys(jobs) as HousekeepingJob[]) {
    const options = housekeepingSchedule(job, taskQueue, config);
    try {
      await client.schedule.create(options);
      logger.info({ scheduleId: options.scheduleId }, 'housekeeping schedule created');
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      const handle = client.schedule.getHandle(options.scheduleId);
      const current = await handle.describe();
      const everyMs = current.spec.intervals?.[0]?.every;
      const wanted = options.spec.intervals?.[0]?.every;
      if (everyMs === wanted && current.action.workflowType === jobs[job].workflow.name && current.action.taskQueue === taskQueue) continue;
      await handle.update((previous) => ({
        spec: options.spec,
        action: options.action,
        policies: { ...previous.policies, ...options.policies },
        state: previous.state,
      }));
      logger.info({ scheduleId: options.scheduleId }, 'housekeeping schedule updated');
    }
  }
}
