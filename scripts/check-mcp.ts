/**
 * Connects the MCP SDK's own client to `npm run -s mcp` on stdio, with no variables but
 * HOOKLINE_DATA_DIR, and lists the tools and the endpoints of a running `npm start`: CI's check that
 * the stdio server reaches the embedded stack through its data directory alone.
 * Usage: HOOKLINE_DATA_DIR=<dir> npx tsx scripts/check-mcp.ts
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const dataDir = process.env.HOOKLINE_DATA_DIR;
if (!dataDir) throw new Error('set HOOKLINE_DATA_DIR to the data directory of the running npm start');
const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOOKLINE_DATA_DIR: dataDir };
const transport = new StdioClientTransport({ command: 'npm', args: ['run', '-s', 'mcp'], env, stderr: 'inherit' });
const client = new Client({ name: 'hookline-ci', version: '1.0.0' });
await client.connect(transport);
try {
  const { tools } = await client.listTools();
  const listed = await client.callTool({ name: 'list_webhook_endpoints', arguments: {} });
  if (tools.length === 0 || listed.isError) throw new Error(`unexpected answer: ${tools.length} tools, ${JSON.stringify(listed.content)}`);
  console.log(`npm run mcp (no variables): ${tools.length} tools; list_webhook_endpoints answered`);
} finally {
  await client.close();
}
