import { Connection } from '@temporalio/client';
import type { Orm } from '../db/orm.js';
import type { Logger } from '../logger.js';

/** A dependency that does not answer within this long counts as down. */
const CHECK_TIMEOUT_MS = 3000;
/** grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING */
const SERVING = 1;

/**
 * The API's readiness probe: `check` resolves when PostgreSQL and Temporal both answer, else throws
 * an error whose message names what is down ("database unreachable", "temporal unreachable"). The
 * underlying errors (addresses, driver messages) go to the log, not to the unauthenticated probe.
 *
 * Temporal is asked over a connection of the probe's own without the client's automatic retries:
 * a probe wants the answer of now, and a retry left pending when the API closes its connection
 * would fail on a closed channel.
 */
export function readinessProbe(deps: { orm: Orm; temporalAddress: string; logger: Logger }): {
  check(): Promise<void>;
  close(): Promise<void>;
} {
  const temporal = Connection.lazy({ address: deps.temporalAddress, interceptors: [] });
  const checks: Record<string, () => Promise<unknown>> = {
    database: () => deps.orm.em.fork().getConnection().execute('select 1'),
    temporal: async () => {
      const { status } = await temporal.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => temporal.healthService.check({}));
      if (status !== SERVING) throw new Error(`health status ${String(status)}`);
    },
  };
  return {
    async check() {
      const results = await Promise.all(
        Object.entries(checks).map(async ([name, check]) => {
          try {
            await withTimeout(check(), CHECK_TIMEOUT_MS);
            return undefined;
          } catch (err) {
            deps.logger.warn({ err, dependency: name }, 'readiness check failed');
            return `${name} unreachable`;
          }
        }),
      );
      const down = results.filter((r) => r !== undefined);
      if (down.length > 0) throw new Error(down.join(', '));
    },
    close: () => temporal.close(),
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
