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

/**
 * Routes the Temporal SDK's own logs into Hookline's JSON logger, at warnings and above unless
 * LOG_LEVEL asks for more. Installed once per process, before the first worker.
 */
export function installTemporalRuntime(logger: Logger): void {
  if (installed) return;
  installed = true;
  const level: LogLevel = ['trace', 'debug'].includes(logger.level) ? 'DEBUG' : 'WARN';
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      const method = LEVELS[entry.level];
      logger[method]({ ...entry.meta, sdk: 'temporal' }, entry.message);
    }),
  });
}
