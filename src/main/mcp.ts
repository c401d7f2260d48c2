/**
 * The MCP server process: the webhooks API as Model Context Protocol tools on stdio, acting with
 * `HOOKLINE_API_KEY`'s tenant, environment and scopes. With DATABASE_URL or TEMPORAL_ADDRESS set
 * it serves the tools itself (and needs both, HOOKLINE_ENCRYPTION_KEYS and HOOKLINE_API_KEY);
 * with neither it forwards to the `/mcp` of the running `npm start` stack of HOOKLINE_DATA_DIR
 * (see mcp-bridge.ts). stdout carries the protocol, so logs go to stderr.
 */
import { pino } from 'pino';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { loadCatalogue } from '../catalog/index.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createLogger } from '../logger.js';
import { mcpServerFactory } from '../mcp/server.js';
import { createAuthService } from '../services/auth.js';
import { AppError } from '../services/errors.js';
import { createServices } from '../services/index.js';
import { connectTemporal, createDeliveryWorkflows } from '../temporal/client.js';
import { packageVersion } from '../version.js';
import { runMcpBridge } from './mcp-bridge.js';
import { addressPolicyFor, exitOnConfigError, onShutdown, openDatabase, secretBoxFor, temporalSettings } from './runtime.js';

const required = (name: string, why = 'required for `npm run mcp`') => new ConfigError(`Invalid configuration:\n  ${name}: ${why}`);

try {
  const config = loadConfig();
  if (!config.databaseUrl && !config.temporal.address) {
    await runMcpBridge(config, createLogger(config.logLevel, 'hookline-mcp', pino.destination(2)));
  } else {
    await serveDirectly(config);
  }
} catch (err) {
  exitOnConfigError(err);
}

/** Serves the tools from this process, over its own database and Temporal connections. */
async function serveDirectly(config: Config): Promise<void> {
  if (!config.databaseUrl) throw required('DATABASE_URL');
  if (!config.temporal.address) throw required('TEMPORAL_ADDRESS');
  const apiKey = process.env.HOOKLINE_API_KEY?.trim();
  if (!apiKey) throw required('HOOKLINE_API_KEY', 'required for `npm run mcp`: the API key (hk_test_… / hk_live_…) whose tenant and scopes the tools act with');
  const logger = createLogger(config.logLevel, 'hookline-mcp', pino.destination(2));
  const secretBox = secretBoxFor(config, false);
  const orm = await openDatabase(config.databaseUrl);
  const actor = await createAuthService({ em: orm.em.fork() }).apiKeyActor(apiKey, null, 'mcp').catch((err: unknown) => {
    if (err instanceof AppError) throw required('HOOKLINE_API_KEY', `${err.message} (create one with \`npm run cli -- keys create\`)`);
    throw err;
  });

  const temporal = temporalSettings(config, config.temporal.address);
  const { client, connection } = await connectTemporal(temporal);
  const services = createServices({
    orm,
    secretBox,
    workflows: createDeliveryWorkflows(client, temporal),
    catalogue: loadCatalogue(),
    logger,
    addressPolicy: addressPolicyFor(config),
  });
  const server = mcpServerFactory({ services, logger, version: packageVersion() })({ apiKey });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await server.close();
      await connection.close();
      await orm.close();
    })());
  onShutdown(logger, close);
  // The client ends the session by closing our stdin.
  process.stdin.once('end', () => {
    logger.info('stdin closed, shutting down');
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });

  await server.connect(new StdioServerTransport());
  logger.info({ tenant: actor.tenantId, environment: actor.environment, scopes: actor.scopes, actor: actor.name }, 'MCP server ready on stdio');
}
