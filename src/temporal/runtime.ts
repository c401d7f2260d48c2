import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../logger.js';

let installed = false;

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

export interface TemporalRuntimeOptions {
  /**
   * Where the SDK serves its own Prometheus metrics (worker task slots, poll and schedule-to-start
   * latencies, activity execution latency …) at `/metrics`, e.g. `127.0.0.1:9464`.
   */
  metricsBindAddress?: string | undefined;
}

/**
 * Routes the Temporal SDK's own logs into Hookline's JSON logger, at warnings and above unless
 * LOG_LEVEL asks for more, and exports its metrics when asked. Installed once per process, before
 * the first worker.
 *
 * The SDK's own shutdown on signals is off: the entry points shut down in order (the API drains
 * first, since its requests may wait on this process's worker), see `onShutdown`.
 */
export function installTemporalRuntime(logger: Logger, options: TemporalRuntimeOptions = {}): void {
  if (installed) return;
  installed = true;
  const level: LogLevel = ['trace', 'debug'].includes(logger.level) ? 'DEBUG' : 'WARN';
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      const method = LEVELS[entry.level];
      // The SDK names a failure `error`; as `err` the logger's serializer keeps its message and stack.
      const { error, ...meta } = entry.meta ?? {};
      logger[method]({ ...meta, ...(error !== undefined && { err: error }), sdk: 'temporal' }, entry.message);
    }),
    shutdownSignals: [],
    ...(options.metricsBindAddress && {
      telemetryOptions: {
        metrics: { prometheus: { bindAddress: options.metricsBindAddress, useSecondsForDurations: true } },
      },
    }),
  });
}

/** `host:port` for a listener, with brackets around an IPv6 host. */
export function bindAddress(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
