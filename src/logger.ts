import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

/** Paths redacted from every log line: secrets and credentials never reach the logs. */
const REDACT = [
  'secret',
  'signing_secret',
  '*.secret',
  '*.signing_secret',
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'apiKey',
  '*.apiKey',
];

/** A JSON logger. */
export function createLogger(level: string, name = 'hookline'): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: '[redacted]' } });
}
