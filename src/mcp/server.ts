import { randomUUID } from 'node:crypto';
// The low-level Server, not McpServer: McpServer validates arguments itself and answers bad input
// with its own message, where tools must answer with the REST API's 422 (type, message, detail[].loc).
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../logger.js';
import type { Actor } from '../services/actor.js';
import { AppError, errorBody, missingScope } from '../services/errors.js';
import type { createServices } from '../services/index.js';
import { describeTool, parseArguments, toolLocation, type McpTool } from './tool.js';
import { mcpTools } from './tools.js';

export interface McpServerDeps {
  /** Builds the services of one tool call, over a fresh EntityManager fork. */
  services: ReturnType<typeof createServices>;
  logger: Logger;
  version: string;
  tools?: readonly McpTool[];
}

/** What one MCP connection acts with. */
export interface McpConnection {
  /** The API key every call acts with: `HOOKLINE_API_KEY` on stdio, the request's bearer token over HTTP. */
  apiKey: string;
}

/** Builds the MCP server of one connection (see {@link mcpServerFactory}). */
export type McpServerFactory = (connection: McpConnection) => Server;

/** The REST API's scope rule: `admin` implies every scope. */
function requireScope(actor: Actor, scope: McpTool['scope']): void {
  if (!actor.scopes.includes(scope) && !actor.scopes.includes('admin')) throw missingScope(scope);
}

const INSTRUCTIONS =
  'Hookline delivers signed webhooks. Endpoints subscribe to event types; publishing an event creates one delivery per ' +
  'subscribed endpoint, retried until delivered or dead-lettered. Every tool maps to one route of the REST API ' +
  '(/manage/v1/webhooks) and answers with the same JSON; errors carry the same {"error": {type, message, detail}}.';

/**
 * The MCP servers of the webhooks API: one tool per route, each call under the connection's API
 * key's tenant and scopes. The stdio process builds one server; the HTTP endpoint builds one per
 * request (stateless Streamable HTTP), each with the key of that request.
 */
export function mcpServerFactory(deps: McpServerDeps): McpServerFactory {
  const tools = new Map((deps.tools ?? mcpTools).map((t) => [t.name, t]));
  // Built once, at start: a schema that cannot be described fails here, not on the first listing,
  // and a server per HTTP request does not convert fourteen schemas each time.
  const listing = [...tools.values()].map(describeTool);
  return (connection) => {
    const server = new Server(
      { name: 'hookline', title: 'Hookline webhooks', version: deps.version },
      { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
    );

    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listing }));

    server.setRequestHandler(CallToolRequestSchema, async (request) => {
      const tool = tools.get(request.params.name);
      if (!tool) throw new McpError(ErrorCode.InvalidParams, `unknown tool "${request.params.name}"`);
      const requestId = `req_${randomUUID().replace(/-/g, '')}`;
      const started = performance.now();
      const result = await callTool(deps, connection, tool, request.params.arguments ?? {}, requestId);
      deps.logger.info(
        { requestId, tool: tool.name, isError: result.isError === true, ms: Math.round(performance.now() - started) },
        'tool call',
      );
      return result;
    });

    return server;
  };
}

/** Authenticates, checks the route's scope, validates, runs: the REST middleware chain, for one call. */
async function callTool(
  deps: McpServerDeps,
  connection: McpConnection,
  tool: McpTool,
  args: Record<string, unknown>,
  requestId: string,
): Promise<CallToolResult> {
  try {
    const services = deps.services();
    // Per call, so a revoked key stops working at once, as it does on the REST API.
    const actor = await services.auth.apiKeyActor(connection.apiKey, requestId, 'mcp');
    requireScope(actor, tool.scope);
    const body = await tool.run({ services, actor, ...parseArguments(tool, args) });
    return { content: [{ type: 'text', text: JSON.stringify(body) }], structuredContent: body };
  } catch (err) {
    return toolError(err, requestId, deps.logger, tool);
  }
}

/**
 * An error as the REST API would answer it (its JSON error body), flagged as a tool error; 422
 * locations name the tool's arguments. Unexpected errors reveal only the request id.
 */
function toolError(err: unknown, requestId: string, logger: Logger, tool: McpTool): CallToolResult {
  let body: ReturnType<typeof errorBody>;
  if (err instanceof AppError) {
    const detail = err.detail?.map((issue) => ({ ...issue, loc: toolLocation(issue.loc, tool.idArgument) }));
    body = errorBody(err.type, err.message, requestId, detail);
  } else {
    logger.error({ err, requestId, tool: tool.name }, 'tool call failed');
    body = errorBody('internal_error', 'internal error', requestId);
  }
  return { content: [{ type: 'text', text: JSON.stringify(body) }], isError: true };
}
