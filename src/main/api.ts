/** The REST API process. Needs DATABASE_URL and TEMPORAL_ADDRESS; `npm start` runs everything locally. */
import { ConfigError, loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { exitOnConfigError, onShutdown, openDatabase, secretBoxFor, startApi, temporalSettings } from './runtime.js';

try {
  const config = loadConfig();
  if (!config.databaseUrl) throw new ConfigError('Invalid configuration:\n  DATABASE_URL: required for `npm run api` (use `npm start` for the embedded stack)');
  if (!config.temporal.address) throw new ConfigError('Invalid configuration:\n  TEMPORAL_ADDRESS: required for `npm run api` (use `npm start` for a local dev server)');
  const logger = createLogger(config.logLevel, 'hookline-api');
  const secretBox = secretBoxFor(config, false);
  const orm = await openDatabase(config.databaseUrl);
  const api = await startApi(config, { orm, secretBox, temporal: temporalSettings(config, config.temporal.address), logger });
  logger.info({ url: api.url }, 'API listening');
  onShutdown(logger, async () => {
    await api.close();
    await orm.close();
  });
} catch (err) {
  exitOnConfigError(err);
}
