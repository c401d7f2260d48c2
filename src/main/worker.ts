/** The Temporal worker process. Needs DATABASE_URL and TEMPORAL_ADDRESS. Scale it out by running more. */
import { ConfigError, loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { exitOnConfigError, onShutdown, openDatabase, secretBoxFor, startWorker, temporalSettings } from './runtime.js';

try {
  const config = loadConfig();
  if (!config.databaseUrl) throw new ConfigError('Invalid configuration:\n  DATABASE_URL: required for `npm run worker`');
  if (!config.temporal.address) throw new ConfigError('Invalid configuration:\n  TEMPORAL_ADDRESS: required for `npm run worker`');
  const logger = createLogger(config.logLevel, 'hookline-worker');
  const secretBox = secretBoxFor(config, false);
  const orm = await openDatabase(config.databaseUrl);
  const worker = await startWorker(config, { orm, secretBox, temporal: temporalSettings(config, config.temporal.address), logger });
  logger.info({ taskQueue: config.temporal.taskQueue }, 'worker running');
  onShutdown(logger, async () => {
    await worker.stop();
    await orm.close();
  });
  await worker.done;
} catch (err) {
  exitOnConfigError(err);
}
