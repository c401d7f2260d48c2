import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities/index.js';
import type { WorkerTuning } from '../config.js';

const projectRoot = resolve(import.meta.dirname, '../..');
export const workflowsPath = resolve(projectRoot, 'workflows/index.ts');
export const defaultBundlePath = resolve(projectRoot, 'dist/workflow-bundle.js');

/** Bundles the workflow code (deterministic sandbox code) once. */
export async function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
}

/**
 * The pre-built bundle when `HOOKLINE_WORKFLOW_BUNDLE` names one (or `npm run build` made one and
 * NODE_ENV is production); otherwise the workflows are bundled now.
 */
export async function loadWorkflowBundle(): Promise<{ code: string } | { codePath: string }> {
  const explicit = process.env.HOOKLINE_WORKFLOW_BUNDLE;
  if (explicit) return { codePath: explicit };
  if (process.env.NODE_ENV === 'production' && existsSync(defaultBundlePath)) return { codePath: defaultBundlePath };
  return bundleWorkflows();
}

export interface WorkerSettings {
  namespace: string;
  taskQueue: string;
  tuning: Omit<WorkerTuning, 'dispatchBatch'>;
}

/** Connects a worker's native connection; a client over it can start workflows eagerly. */
export async function connectWorker(address: string): Promise<NativeConnection> {
  return NativeConnection.connect({ address });
}

/**
 * How long a workflow task waits for the worker that cached its workflow before any worker may
 * take it (SDK default 10 s): short, so a killed worker's deliveries move on within seconds. A
 * live but busy worker that misses it costs a replay of a short history elsewhere, nothing more.
 */
export const STICKY_SCHEDULE_TO_START_TIMEOUT = '3 seconds';

/** A Temporal worker running Hookline's workflows and activities. */
export async function createWorker(connection: NativeConnection, settings: WorkerSettings, deps: ActivityDeps): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    workflowBundle: await loadWorkflowBundle(),
    activities: createActivities(deps),
    maxConcurrentWorkflowTaskExecutions: settings.tuning.workflowTaskSlots,
    maxConcurrentActivityTaskExecutions: settings.tuning.activitySlots,
    maxConcurrentLocalActivityExecutions: settings.tuning.localActivitySlots,
    maxCachedWorkflows: settings.tuning.maxCachedWorkflows,
    // A workflow's next task goes to the sticky queue of the worker that ran its last one; when
    // that worker is dead, the server moves the task to the shared queue after this long.
    stickyQueueScheduleToStartTimeout: STICKY_SCHEDULE_TO_START_TIMEOUT,
    shutdownGraceTime: '30 seconds',
  });
}

const quietBundlerLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string, meta?: unknown) => console.warn(message, meta ?? ''),
  error: (message: string, meta?: unknown) => console.error(message, meta ?? ''),
  log: () => undefined,
};
