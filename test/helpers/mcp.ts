import { expect } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** Every tool the MCP server lists, sorted. */
export const TOOLS = [
  'create_webhook_endpoint',
  'delete_webhook_endpoint',
  'get_webhook_delivery',
  'get_webhook_endpoint',
  'get_webhook_endpoint_stats',
  'list_webhook_deliveries',
  'list_webhook_endpoints',
  'list_webhook_event_types',
  'publish_webhook_event',
  'replay_webhook_delivery',
  'rotate_webhook_secret',
  'send_webhook_test',
  'update_webhook_endpoint',
  'verify_webhook_endpoint',
];

export interface ToolAnswer {
  isError: boolean;
  /** The JSON of the one text content: the REST answer, or its error body. */
  body: any;
  result: CallToolResult;
}

export interface McpSession {
  client: Client;
  /** Transport errors, such as stdout lines that are not JSON-RPC. */
  transportErrors: Error[];
  call(name: string, args?: Record<string, unknown>): Promise<ToolAnswer>;
}

/**
 * Connects the SDK's own client over `transport` and lists the tools (which caches their output
 * schemas, so the client checks every structured result against them). `call` checks that a
 * result is one text content whose JSON is the structured result.
 */
export async function connectMcp(transport: Transport, describe: () => string = () => ''): Promise<McpSession> {
  const client = new Client({ name: 'hookline-test', version: '1.0.0' });
  const transportErrors: Error[] = [];
  client.onerror = (err) => transportErrors.push(err);
  try {
    await client.connect(transport);
  } catch (err) {
    throw new Error(`MCP server did not start: ${String(err)}\n${describe()}`);
  }
  await client.listTools();
  return {
    client,
    transportErrors,
    async call(name, args = {}) {
      const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
      expect(result.content).toHaveLength(1);
      const [content] = result.content;
      if (content?.type !== 'text') throw new Error(`expected text content, got ${JSON.stringify(content)}`);
      const body = JSON.parse(content.text);
      if (!result.isError) expect(result.structuredContent).toEqual(body);
      return { isError: result.isError === true, body, result };
    },
  };
}
