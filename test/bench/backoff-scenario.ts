/**
 * Memory while deliveries wait out a backoff: an endpoint that answers 500, a worker whose retry
 * schedule is an hour, and N events published as fast as the API takes them. Once every delivery
 * has had its first attempt, all N workflows sit in a timer, and the worker's resident set is read.
 * Running out of time is not a failure of the run (nothing is lost: the deliveries are not due);
 * the report says how many were waiting when memory was read.
 */
import type { ApiClient } from './api-client.js';
import { createEndpoint } from './api-client.js';
import { largestMemoryOf, memoryOf, type CpuDelta, type CpuSampler, type Memory } from './cpu-sampler.js';
import { isAborted, waitUntil } from './lifecycle.js';
import type { Receiver } from './receiver.js';
import type { Stack } from './stack.js';

/** Not subscribed by any other bench endpoint, so these deliveries stay out of the ledger. */
const EVENT_TYPE = 'comment.created';
const PATH = '/failing';
export const BACKOFF_RETRY_SCHEDULE = '3600';

export interface BackoffResult {
  deliveries: number;
  postFailures: number;
  publishSeconds: number;
  /** From the first publish until every delivery had its first attempt recorded. */
  firstAttemptsSeconds: number | null;
  firstAttempted: number;
  /** Deliveries pending with a next attempt scheduled: waiting out the backoff. */
  waiting: number;
  receiverAnswered500: number;
  worker: Memory | null;
  /** The Temporal server holds the N timers. */
  temporal: Memory | null;
  cpu: CpuDelta;
}

export async function runBackoffScenario(
  ctx: { stack: Stack; api: ApiClient; receiver: Receiver; sampler: CpuSampler },
  options: { deliveries: number; concurrency: number; timeoutMs: number },
): Promise<BackoffResult> {
  const { stack, api, receiver } = ctx;
  await stack.restartWorkers({ HOOKLINE_RETRY_SCHEDULE: BACKOFF_RETRY_SCHEDULE });
  const endpoint = await createEndpoint(api, `${receiver.base}${PATH}`, EVENT_TYPE);
  receiver.addPath(PATH, endpoint.secret, { failing: true });
  const answeredBefore = receiver.stats.failedAnswers;

  const cpuFrom = ctx.sampler.sample();
  const started = performance.now();
  let next = 0;
  let postFailures = 0;
  const lane = async () => {
    while (next < options.deliveries && !isAborted()) {
      const seq = next++;
      try {
        const res = await api.call('POST', '/events', { type: EVENT_TYPE, data: { bench: 'backoff', seq } });
        if (res.status < 200 || res.status >= 300) postFailures++;
      } catch {
        postFailures++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, lane));
  const publishSeconds = (performance.now() - started) / 1000;

  const conn = stack.orm.em.fork().getConnection();
  const counts = async () => {
    const [row] = await conn.execute<{ attempted: number; waiting: number }[]>(
      `select count(*) filter (where attempt_count >= 1)::int as attempted,
              count(*) filter (where status = 'pending' and next_attempt_at is not null)::int as waiting
         from deliveries where endpoint_id = ?`,
      [endpoint.id],
    );
    return row ?? { attempted: 0, waiting: 0 };
  };
  let latest = { attempted: 0, waiting: 0 };
  const expected = options.deliveries - postFailures;
  const allAttempted = await waitUntil(
    async () => {
      latest = await counts();
      return latest.attempted >= expected && latest.waiting >= expected;
    },
    options.timeoutMs,
    500,
  );
  const firstAttemptsSeconds = allAttempted ? (performance.now() - started) / 1000 : null;
  const cpu = ctx.sampler.delta(cpuFrom, ctx.sampler.sample());
  const memory = largestMemoryOf(stack.workers.map((w) => w.pid));
  return {
    deliveries: options.deliveries,
    postFailures,
    publishSeconds,
    firstAttemptsSeconds,
    firstAttempted: latest.attempted,
    waiting: latest.waiting,
    receiverAnswered500: receiver.stats.failedAnswers - answeredBefore,
    worker: memory ?? null,
    temporal: memoryOf(stack.temporalServer.pid) ?? null,
    cpu,
  };
}
