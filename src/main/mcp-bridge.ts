import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  ErrorCode,
  InitializeResultSchema,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  LATEST_PROTOCOL_VERSION,
  type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';
import { ConfigError, type Config } from '../config.js';
import type { Logger } from '../logger.js';
import { readRuntimeFile, runtimeFilePath } from './runtime-file.js';

const notRunning = (message: string) =>
  new ConfigError(
    `${message}\n` +
      'Start the stack with `npm start` (with the same HOOKLINE_DATA_DIR), or set DATABASE_URL, TEMPORAL_ADDRESS, ' +
      'HOOKLINE_ENCRYPTION_KEYS and HOOKLINE_API_KEY to serve the tools without it.',
  );

/** Where the stack of `config.dataDir` serves /mcp, and the key to call it with. */
export function locateRunningStack(config: Config, env: NodeJS.ProcessEnv = process.env): { mcpUrl: URL; apiKey: string } {
  const file = runtimeFilePath(config.dataDir);
  const found = readRuntimeFile(config.dataDir);
  if (found.status === 'missing') throw notRunning(`No running Hookline found: ${file} does not exist.`);
  if (found.status === 'unreadable') throw notRunning(`No running Hookline found: ${file} cannot be read (${found.reason}).`);
  if (found.status === 'stale') throw notRunning(`No running Hookline found: the stack that wrote ${file} (pid ${found.runtime.pid}) has exited.`);
  const keyFile = join(config.dataDir, 'dev-api-key');
  let apiKey = env.HOOKLINE_API_KEY?.trim();
  if (!apiKey) {
    try {
      apiKey = readFileSync(keyFile, 'utf8').trim();
    } catch {
      throw new ConfigError(`Invalid configuration:\n  HOOKLINE_API_KEY: required, as ${keyFile} cannot be read`);
    }
  }
  return { mcpUrl: new URL('/mcp', found.runtime.api_url), apiKey };
}

/**
 * Checks, before the first client message, that the stack answers /mcp and takes the key: a
 * JSON-RPC `ping`, which needs no session. Failures are the start-up errors of direct mode.
 */
async function probe(mcpUrl: URL, apiKey: string, keySource: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'hookline-bridge-probe', method: 'ping' }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw notRunning(`No running Hookline found: ${mcpUrl.origin} does not answer (${(err as Error).cause ?? (err as Error).message}).`);
  }
  const text = await response.text();
  if (response.status === 401) {
    let message = 'invalid API key';
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      // not the API's error body: keep the generic message
    }
    throw new ConfigError(`Invalid configuration:\n  ${keySource}: ${message} (create one with \`npm run cli -- keys create\`)`);
  }
  if (!response.ok) throw notRunning(`${mcpUrl.href} answered ${response.status}: ${text.slice(0, 300)}`);
}

/**
 * `npm run mcp` without DATABASE_URL: a stdio MCP server that forwards every message to the
 * `/mcp` of the `npm start` stack of the data directory and its answers back. The stack's API
 * already serves the same tools with the same key checks, so this process needs none of the
 * stack's addresses or keys: only its URL, from the data directory. Resolves once the bridge runs; the
 * process exits when the client closes stdin.
 */
export async function runMcpBridge(config: Config, logger: Logger): Promise<void> {
  const { mcpUrl, apiKey } = locateRunningStack(config);
  const keySource = process.env.HOOKLINE_API_KEY?.trim() ? 'HOOKLINE_API_KEY' : join(config.dataDir, 'dev-api-key');
  await probe(mcpUrl, apiKey, keySource);

  const stdio = new StdioServerTransport();
  const http = new StreamableHTTPClientTransport(mcpUrl, { requestInit: { headers: { authorization: `Bearer ${apiKey}` } } });
  /** Ids of `initialize` requests in flight: their answers carry the protocol version to send on. */
  const initializing = new Set<string | number>();

  stdio.onmessage = (message: JSONRPCMessage) => {
    if (isJSONRPCRequest(message) && message.method === 'initialize') initializing.add(message.id);
    http.send(message).catch((err: unknown) => {
      logger.warn({ err: (err as Error).message, url: mcpUrl.href }, 'forwarding to the stack failed');
      // A request must get an answer, or the client waits for ever.
      if (isJSONRPCRequest(message)) {
        const status = err instanceof StreamableHTTPError ? err.code : undefined;
        void stdio.send({
          jsonrpc: '2.0',
          id: message.id,
          error: {
            code: ErrorCode.InternalError,
            message: `Hookline at ${mcpUrl.origin} ${status ? `answered ${status}` : 'did not answer'}: ${(err as Error).message}`,
          },
        });
      }
    });
  };
  http.onmessage = (message: JSONRPCMessage) => {
    if (isJSONRPCResultResponse(message) && initializing.delete(message.id)) {
      const init = InitializeResultSchema.safeParse(message.result);
      if (init.success) http.setProtocolVersion(init.data.protocolVersion);
    }
    void stdio.send(message);
  };
  http.onerror = (err) => logger.warn({ err: err.message, url: mcpUrl.href }, 'MCP HTTP transport error');
  stdio.onerror = (err) => logger.warn({ err: err.message }, 'MCP stdio transport error');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await http.close();
      await stdio.close();
    })());
  // The client ends the session by closing our stdin.
  process.stdin.once('end', () => {
    logger.info('stdin closed, shutting down');
    void close().finally(() => process.exit(0));
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void close().finally(() => process.exit(0)));

  await http.start();
  await stdio.start();
  logger.info({ url: mcpUrl.href }, 'MCP server ready on stdio, forwarding to the running stack');
}
