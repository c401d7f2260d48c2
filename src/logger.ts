import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

/** Paths redacted from every log line: secrets and credentials never reach the logs. */
const REDACT = [
  'secret',
  'signing_secret',
  'previous_secret',
  '*.secret',
  '*.signing_secret',
  '*.previous_secret',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  'authorization',
  'apiKey',
  '*.apiKey',
  'token',
  'password',
];

/**
 * Fields that every line logged inside a unit of work carries, such as an API request's id, so a
 * service or a background task started by a request logs with the request's id without having to
 * be handed a logger of its own. Async-local storage is per async call chain, not shared state.
 */
const logContext = new AsyncLocalStorage<Record<string, unknown>>();

/** Runs `fn` with `fields` added to every line logged inside it (by any logger of createLogger). */
export function withLogContext<T>(fields: Record<string, unknown>, fn: () => T): T {
  return logContext.run({ ...logContext.getStore(), ...fields }, fn);
}

/**
 * A JSON logger (one object per line on stdout, or on `destination`).
 * @param destination where lines go instead of stdout (tests read the lines back)
 */
export function createLogger(level: string, name = 'hookline', destination?: DestinationStream): Logger {
  const options = {
    name,
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
    mixin: () => logContext.getStore() ?? {},
  };
  return destination ? pino(options, destination) : pino(options);
}
