import { deliveryTools } from './delivery-tools.js';
import { endpointTools } from './endpoint-tools.js';
import { eventTools } from './event-tools.js';
import type { McpTool } from './tool.js';

/** Every tool of the MCP server: seed 000's table plus publish, verify and stats. */
export const mcpTools: readonly McpTool[] = [...endpointTools, ...deliveryTools, ...eventTools];
