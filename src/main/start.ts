/**
 * The whole engine in one process tree for development: an embedded PostgreSQL (unless
 * DATABASE_URL), a Temporal dev server with its Web UI (unless TEMPORAL_ADDRESS), the API and a worker.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, type Config } from '../config.js';
import { createLogger } from '../logger.js';
import { startEmbeddedPostgres } from '../db/embedded.js';
import { startDevServer } from '../temporal/dev-server.js';
import { bindAddress, installTemporalRuntime } from '../temporal/runtime.js';
import { createMetrics } from '../metrics.js';
import { createApiKey, ensureTenant, generateApiKey } from '../services/api-keys.js';
import type { Orm } from '../db/orm.js';
import { createAuthService } from '../services/auth.js';
import { createPortalSessionService } from '../services/portal-sessions.js';
import { presentCreatedPortalSession } from '../presenters.js';
import { removeRuntimeFile, writeRuntimeFile } from './runtime-file.js';
import { exitOnConfigError, onShutdown, openDatabase, secretBoxFor, startApi, startWorker, temporalSettings } from './runtime.js';

/** The dev key: HOOKLINE_DEV_API_KEY, else one generated once and kept in the data directory. */
async function ensureDevKey(config: Config, orm: Orm): Promise<string> {
  const file = join(config.dataDir, 'dev-api-key');
  const key = config.devApiKey ?? (existsSync(file) ? readFileSync(file, 'utf8').trim() : generateApiKey('test'));
  if (!config.devApiKey) writeFileSync(file, key, { mode: 0o600 });
  const em = orm.em.fork();
  await ensureTenant(em, 'dev', 'Development');
  await createApiKey(em, {
    tenantId: 'dev',
    environment: key.startsWith('hk_live_') ? 'live' : 'test',
    scopes: ['manage_webhooks', 'publish_events', 'admin'],
    name: 'development key',
    key,
  });
  return key;
}

/** A customer portal link for the dev tenant, valid for an hour: the page to try at once. */
async function devPortalLink(orm: Orm, apiKey: string, baseUrl: string): Promise<string> {
  const em = orm.em.fork();
  const actor = await createAuthService({ em }).apiKeyActor(apiKey, null);
  const created = await createPortalSessionService({ em }).create(actor, { expires_in: 3600, read_only: false });
  return presentCreatedPortalSession(created, baseUrl).url;
}

try {
  const config = loadConfig(process.env, { HOOKLINE_ALLOW_PRIVATE_TARGETS: 'true' });
  const logger = createLogger(config.logLevel, 'hookline');
  mkdirSync(config.dataDir, { recursive: true });

  // Before the dev server: launching it through the SDK creates the Temporal runtime.
  const temporalMetrics = config.metrics.temporalPort;
  installTemporalRuntime(logger, { metricsBindAddress: temporalMetrics ? bindAddress(config.host, temporalMetrics) : undefined });
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres({ dataDir: config.dataDir });
  const devServer = config.temporal.address
    ? undefined
    : await startDevServer({
        dbFile: resolve(config.dataDir, 'temporal.db'),
        port: Number(process.env.TEMPORAL_DEV_PORT ?? 7233),
        uiPort: Number(process.env.TEMPORAL_DEV_UI_PORT ?? 8233),
        namespace: config.temporal.namespace,
        cliPath: config.temporal.cliPath,
      });
  const temporal = temporalSettings(config, config.temporal.address ?? devServer!.address, devServer?.uiUrl);

  const secretBox = secretBoxFor(config, true);
  const orm = await openDatabase(config.databaseUrl ?? embedded!.url, { max: embedded ? 4 : 10 });
  const apiKey = await ensureDevKey(config, orm);
  // One registry: the API's /metrics also shows this process's worker's attempt latency.
  const metrics = createMetrics({ database: { orm, logger } });
  const worker = await startWorker(config, { orm, secretBox, temporal, logger, metrics });
  const api = await startApi(config, { orm, secretBox, temporal, logger, metrics });
  // For `npm run mcp` without variables: it reaches this stack through the API's /mcp.
  writeRuntimeFile(config.dataDir, api.url);
  const portal = await devPortalLink(orm, apiKey, config.publicUrl ?? api.url);

  console.log(
    [
      '',
      'Hookline is running.',
      `  API:           ${api.url}/manage/v1/webhooks`,
      `  Temporal UI:   ${temporal.uiUrl ?? '(set TEMPORAL_UI_URL)'}`,
      `  Temporal:      ${temporal.address} (namespace ${temporal.namespace})`,
      `  Database:      ${embedded ? `embedded PostgreSQL (${join(config.dataDir, 'pgdata')})` : 'DATABASE_URL'}`,
      `  API key:       ${apiKey}`,
      `  Metrics:       ${api.url}/metrics`,
      `  MCP:           ${api.url}/mcp (or \`npm run -s mcp\` on stdio)`,
      `  Portal:        ${portal} (valid 1 h; POST /manage/v1/portal-sessions makes more)`,
      '',
      `  curl -H "Authorization: Bearer ${apiKey}" ${api.url}/manage/v1/webhooks/endpoints`,
      '',
    ].join('\n'),
  );

  // The API first: its requests (a verification, say) may wait on this process's worker.
  onShutdown(logger, async () => {
    removeRuntimeFile(config.dataDir);
    await api.close();
    await worker.stop();
    await orm.close();
    await embedded?.stop();
    await devServer?.stop();
  });
} catch (err) {
  exitOnConfigError(err);
}
