import { Router } from '@koa/router';
import type { Next } from 'koa';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Logger } from '../../src/logger.js';
import type { McpServerFactory } from '../../src/mcp/server.js';
import type { createServices } from '../../src/services/index.js';
import { AppError, forbidden, unauthorized } from '../../src/services/errors.js';
import { bearerToken } from '../middleware/auth.js';
import type { AppContext, AppState } from '../context.js';

/** Where the MCP tools are served over Streamable HTTP. */
export const MCP_PATH = '/mcp';

export interface McpRouteDeps {
  /** Services over a fresh EntityManager fork: the key check of each request. */
  services: ReturnType<typeof createServices>;
  /** Builds the MCP server of one request, acting with that request's API key. */
  servers: McpServerFactory;
  logger: Logger;
  /** The largest JSON-RPC body read, as for the REST API's bodies (HOOKLINE_MAX_EVENT_BYTES). */
  maxBodyBytes: number;
}

/** Hosts a browser page may call /mcp from: the machine itself (an inspector on localhost). */
function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * The specification's DNS-rebinding rule: an `Origin` that is present and not ours is refused
 * with 403. Clients that are not browsers send no `Origin` and pass. We do not use the
 * transport's own `allowedHosts` / `allowedOrigins` (deprecated in the SDK for external
 * middleware): a Host allow-list would break every name the API is reached under (a Docker
 * service name, a proxy), and the attack needs a browser, which always sends `Origin` on a POST.
 * A rebinding page's origin is its own domain, never a loopback one, so it is refused here; the
 * bearer key below is the second wall, as on the REST API: a browser never adds it by itself.
 */
async function refuseForeignOrigins(ctx: AppContext, next: Next) {
  const origin = ctx.get('origin');
  if (origin !== '') {
    let hostname: string | undefined;
    try {
      hostname = new URL(origin).hostname;
    } catch {
      // `Origin: null` (sandboxed frames, file: pages) and garbage: not a loopback page.
    }
    if (hostname === undefined || !isLoopbackHost(hostname)) throw forbidden(`requests from the web origin "${origin.slice(0, 200)}" are not accepted`);
  }
  await next();
}

/**
 * `Authorization: Bearer <API key>` on every request, before anything is parsed: 401 with
 * `WWW-Authenticate: Bearer` otherwise. API keys only: the tools act with the key (each tool call
 * authenticates it again, so a key revoked mid-request stops at its next call).
 */
function requireApiKey(services: McpRouteDeps['services']) {
  return async (ctx: AppContext, next: Next) => {
    const token = bearerToken(ctx);
    try {
      if (!token) throw unauthorized('missing bearer token: send "Authorization: Bearer <API key>"');
      if (!token.startsWith('hk_')) throw unauthorized('invalid API key (the MCP endpoint takes API keys, not JWTs)');
      ctx.state.actor = await services().auth.apiKeyActor(token, ctx.state.requestId, 'mcp');
    } catch (err) {
      if (err instanceof AppError && err.status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="hookline"');
      throw err;
    }
    await next();
  };
}

/**
 * `POST /mcp`: the MCP tools over the Streamable HTTP transport, stateless: a new server and
 * transport per request (no `Mcp-Session-Id`), answering with JSON rather than an SSE stream.
 * The tools only answer requests, so there is nothing a session would keep; any API process can
 * serve any request, and a process holds nothing between them. Without sessions there is no
 * server-to-client stream to open (`GET`) or session to end (`DELETE`): both are 405, which the
 * specification allows and the SDK's client expects. The transport reads the body itself, with
 * the API's size limit, and answers malformed JSON-RPC with its own 4xx JSON-RPC errors.
 */
export function mcpRoutes(deps: McpRouteDeps): Router<AppState> {
  const router = new Router<AppState>();
  router.post(MCP_PATH, refuseForeignOrigins, requireApiKey(deps.services), async (ctx: AppContext) => {
    const server = deps.servers({ apiKey: bearerToken(ctx)! });
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      maxRequestBodySize: deps.maxBodyBytes,
    });
    // The transport reports what it refused (bad JSON, a wrong content type) before answering it.
    server.onerror = (err) => deps.logger.debug({ err: err.message, requestId: ctx.state.requestId }, 'MCP request refused');
    ctx.res.once('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    // From here the transport writes the response; Koa must not.
    ctx.respond = false;
    await transport.handleRequest(ctx.req, ctx.res);
  });
  return router;
}
