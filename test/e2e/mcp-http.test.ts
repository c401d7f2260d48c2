import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startStack, type Stack, type Tenant } from '../helpers/stack.js';
import { receiverPool, waitFor } from '../helpers/receiver.js';
import { connectMcp, TOOLS, type McpSession } from '../helpers/mcp.js';
import { ApiKey } from '../../src/db/entities/index.js';
import { hashApiKey, revokeApiKey } from '../../src/services/api-keys.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const tsx = (entry: string) => ['--import', './scripts/node-compat.mjs', '--import', 'tsx', entry];

let stack: Stack;
const receivers = receiverPool();
const sessions: McpSession[] = [];
const tempDirs: string[] = [];

beforeAll(async () => {
  stack = await startStack({ retrySchedule: [1] });
});
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.client.close()));
  await receivers.closeAll();
  await stack?.stop();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const mcpUrl = () => new URL('/mcp', stack.apiUrl);

/** The SDK's own client over Streamable HTTP, with `apiKey` as the bearer token. */
async function connectHttp(apiKey: string): Promise<McpSession & { transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(mcpUrl(), { requestInit: { headers: { authorization: `Bearer ${apiKey}` } } });
  const session = { ...(await connectMcp(transport)), transport };
  sessions.push(session);
  return session;
}

const JSON_RPC_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** One raw POST to /mcp, bounded: a hung answer fails the test rather than stalling it. */
async function post(body: string, headers: Record<string, string>, method = 'POST') {
  const res = await fetch(mcpUrl(), { method, headers, ...(method === 'POST' && { body }), signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });

async function revoke(tenant: Tenant) {
  const em = stack.orm.em.fork();
  const key = await em.findOneOrFail(ApiKey, { hash: hashApiKey(tenant.apiKey) });
  await revokeApiKey(em, key.id, 'test');
}

describe('MCP over HTTP (/mcp)', () => {
  it('lists the fourteen tools to the SDK client, statelessly (no session id), without transport errors', async () => {
    const tenant = await stack.newTenant();
    const mcp = await connectHttp(tenant.apiKey);
    const { tools } = await mcp.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
    expect(mcp.client.getServerVersion()).toMatchObject({ name: 'hookline' });
    expect(mcp.transport.sessionId).toBeUndefined();
    // The client's GET for a server stream got the 405 it accepts, not an error.
    expect(mcp.transportErrors).toEqual([]);
  });

  it('creates an endpoint the REST API then shows, and publishes an event that is delivered', async () => {
    const tenant = await stack.newTenant();
    const recv = await receivers.start();
    const mcp = await connectHttp(tenant.apiKey);

    const created = await mcp.call('create_webhook_endpoint', { url: recv.url, event_types: ['order.created'] });
    expect(created.isError, JSON.stringify(created.body)).toBe(false);
    const endpointId: string = created.body.id;
    const rest = await tenant.api('GET', `/endpoints/${endpointId}`);
    expect(rest.status).toBe(200);
    expect(rest.body).toMatchObject({ id: endpointId, url: recv.url, event_types: ['order.created'] });

    const published = await mcp.call('publish_webhook_event', { type: 'order.created', data: { order: 'ord_http_1' } });
    expect(published.body).toMatchObject({ object: 'event', type: 'order.created', deliveries: 1 });
    const [delivery] = (await mcp.call('list_webhook_deliveries', { endpoint_id: endpointId })).body.data;
    const delivered = await waitFor(
      async () => {
        const d = await mcp.call('get_webhook_delivery', { delivery_id: delivery.id });
        return d.body.status === 'delivered' ? d : undefined;
      },
      30_000,
      'the delivery to be delivered',
    );
    expect(delivered.body.attempts[0]).toMatchObject({ attempt: 1, response_status: 200 });
    expect(recv.requests.map((r) => r.headers['webhook-id'])).toEqual([published.body.id]);
    expect((await tenant.api('GET', `/deliveries/${delivery.id}`)).body).toEqual(delivered.body);

    // Audited under the key the HTTP request carried, named as MCP's.
    const audit = await fetch(`${stack.apiUrl}/manage/v1/audit-log?resource_id=${endpointId}`, { headers: { authorization: `Bearer ${tenant.apiKey}` } });
    expect(((await audit.json()) as any).data[0].actor).toMatch(/^mcp:api_key:key_/);
  });

  it('answers a missing, unknown or revoked key with 401, the error shape and WWW-Authenticate, and stops a connected client', async () => {
    const tenant = await stack.newTenant();
    const mcp = await connectHttp(tenant.apiKey);
    expect((await mcp.call('list_webhook_endpoints')).isError).toBe(false);

    const cases: [Record<string, string>, string][] = [
      [{}, 'missing bearer token'],
      [{ authorization: 'Bearer hk_test_notarealkey' }, 'invalid or revoked API key'],
      [{ authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.x' }, 'takes API keys, not JWTs'],
    ];
    for (const [auth, message] of cases) {
      const res = await post(ping, { ...JSON_RPC_HEADERS, ...auth });
      expect(res.status, JSON.stringify(auth)).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
      expect(res.json).toEqual({ error: { type: 'unauthorized', message: expect.stringContaining(message), request_id: res.headers.get('x-request-id') } });
    }

    await revoke(tenant);
    const refused = await mcp.client.callTool({ name: 'list_webhook_endpoints', arguments: {} }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(StreamableHTTPError);
    expect((refused as StreamableHTTPError).code).toBe(401);
    const raw = await post(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'list_webhook_endpoints', arguments: {} } }), {
      ...JSON_RPC_HEADERS,
      authorization: `Bearer ${tenant.apiKey}`,
    });
    expect(raw.status).toBe(401);
    expect(raw.json.error.message).toBe('invalid or revoked API key');
  });

  it("refuses a tool whose scope the key lacks with the route's 403 body, and keeps tenants apart", async () => {
    const narrow = await stack.newTenant({ scopes: ['manage_webhooks'] });
    const other = await stack.newTenant();
    const mcpNarrow = await connectHttp(narrow.apiKey);
    const mcpOther = await connectHttp(other.apiKey);

    const refused = await mcpNarrow.call('publish_webhook_event', { type: 'order.created', data: {} });
    expect(refused.isError).toBe(true);
    expect(refused.body).toEqual({
      error: { type: 'forbidden', message: 'this route needs the "publish_events" scope', request_id: expect.stringMatching(/^req_/) },
    });

    const mine = await mcpNarrow.call('create_webhook_endpoint', { url: 'http://127.0.0.1:9/narrow' });
    expect(mine.isError, JSON.stringify(mine.body)).toBe(false);
    const theirs = await mcpOther.call('create_webhook_endpoint', { url: 'http://127.0.0.1:9/other' });
    expect((await mcpNarrow.call('list_webhook_endpoints')).body.data.map((e: any) => e.id)).toEqual([mine.body.id]);
    expect((await mcpOther.call('list_webhook_endpoints')).body.data.map((e: any) => e.id)).toEqual([theirs.body.id]);
    const across = await mcpOther.call('get_webhook_endpoint', { endpoint_id: mine.body.id });
    expect(across).toMatchObject({ isError: true, body: { error: { type: 'not_found' } } });
    expect((await mcpOther.call('delete_webhook_endpoint', { endpoint_id: mine.body.id })).body.error.type).toBe('not_found');
    expect((await narrow.api('GET', `/endpoints/${mine.body.id}`)).status).toBe(200);
  });

  it('answers malformed requests with a 4xx, never a 5xx and never a hang', async () => {
    const tenant = await stack.newTenant();
    const auth = { authorization: `Bearer ${tenant.apiKey}` };
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const batch = JSON.stringify(Array.from({ length: 101 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' })));
    const cases: [string, string, Record<string, string>, number][] = [
      ['bad JSON', '{"jsonrpc": "2.0", "id": 1, "method": ', JSON_RPC_HEADERS, 400],
      ['not JSON-RPC', '{"hello": "world"}', JSON_RPC_HEADERS, 400],
      ['a bare number', '42', JSON_RPC_HEADERS, 400],
      ['an empty body', '', JSON_RPC_HEADERS, 400],
      ['deeply nested JSON', deep, JSON_RPC_HEADERS, 400],
      ['a batch of 101', batch, JSON_RPC_HEADERS, 400],
      ['NUL in JSON', '{"jsonrpc":"2.0","id":1,"method":"p\\u0000ing"}', JSON_RPC_HEADERS, 200],
      ['text/plain', ping, { ...JSON_RPC_HEADERS, 'content-type': 'text/plain' }, 415],
      ['no Accept for event streams', ping, { 'content-type': 'application/json', accept: 'application/json' }, 406],
      ['an unknown protocol version', ping, { ...JSON_RPC_HEADERS, 'mcp-protocol-version': '1999-01-01' }, 400],
      ['a body over the limit', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(300 * 1024) } }), JSON_RPC_HEADERS, 413],
    ];
    for (const [what, body, headers, status] of cases) {
      const res = await post(body, { ...auth, ...headers });
      expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBe(status);
      if (status === 200) expect(res.json.error.code, what).toBe(-32601);
      else expect(res.json, what).toMatchObject({ jsonrpc: '2.0', error: { code: expect.any(Number) } });
    }

    // No server stream and no session without sessions: 405 with the API's error shape.
    for (const method of ['GET', 'DELETE']) {
      const res = await post('', { ...auth, accept: 'text/event-stream' }, method);
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toContain('POST');
      expect(res.json.error.type).toBe('method_not_allowed');
    }

    // DNS rebinding: a browser page of another origin is refused; a loopback page is not.
    const foreign = await post(ping, { ...auth, ...JSON_RPC_HEADERS, origin: 'http://attacker.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.json.error.type).toBe('forbidden');
    expect((await post(ping, { ...auth, ...JSON_RPC_HEADERS, origin: 'null' })).status).toBe(403);
    const local = await post(ping, { ...auth, ...JSON_RPC_HEADERS, origin: 'http://localhost:6274' });
    expect(local.status).toBe(200);
    expect(local.json).toEqual({ jsonrpc: '2.0', id: 1, result: {} });

    // The API still answers after all that.
    expect((await tenant.api('GET', '/endpoints')).status).toBe(200);
  });
});

/** The environment of `npm run mcp` with nothing set but the data directory (and a harmless log level). */
function bareEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = { ...process.env, HOOKLINE_DATA_DIR: dataDir, NODE_OPTIONS: '', LOG_LEVEL: 'info', ...extra };
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'HOOKLINE_ENCRYPTION_KEYS', 'HOOKLINE_API_KEY', 'TEMPORAL_NAMESPACE', 'HOOKLINE_TASK_QUEUE']) {
    if (!(name in extra)) delete env[name];
  }
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** A data directory as a running `npm start` leaves it: runtime.json and dev-api-key. */
function dataDirOf(runtime: { api_url: string; pid: number } | undefined, apiKey?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hookline-mcp-bridge-'));
  tempDirs.push(dir);
  if (runtime) writeFileSync(join(dir, 'runtime.json'), JSON.stringify({ ...runtime, started_at: new Date().toISOString() }));
  if (apiKey) writeFileSync(join(dir, 'dev-api-key'), `${apiKey}\n`);
  return dir;
}

async function connectBridge(env: Record<string, string>) {
  const transport = new StdioClientTransport({ command: process.execPath, args: tsx('src/main/mcp.ts'), cwd: repoRoot, env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const session = { ...(await connectMcp(transport, () => stderr)), stderr: () => stderr };
  sessions.push(session);
  return session;
}

function runToExit(env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, tsx('src/main/mcp.ts'), { cwd: repoRoot, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('npm run mcp without variables (stdio bridge to a running stack)', () => {
  it("forwards the client's messages to the stack's /mcp with the data directory's key", async () => {
    const tenant = await stack.newTenant();
    const dir = dataDirOf({ api_url: stack.apiUrl, pid: process.pid }, tenant.apiKey);
    const mcp = await connectBridge(bareEnv(dir));

    const { tools } = await mcp.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
    const created = await mcp.call('create_webhook_endpoint', { url: 'http://127.0.0.1:9/bridge', description: 'via the bridge' });
    expect(created.isError, JSON.stringify(created.body)).toBe(false);
    expect((await tenant.api('GET', `/endpoints/${created.body.id}`)).body).toMatchObject({ description: 'via the bridge' });
    const bad = await mcp.call('get_webhook_endpoint', { endpoint_id: 'ep_\u0000' });
    expect(bad.body.error.detail[0]).toMatchObject({ loc: ['arguments', 'endpoint_id'], type: 'value_error.nul' });
    expect(mcp.stderr()).toContain('forwarding to the running stack');

    // A key revoked while the bridge runs: the next call is answered with an error, not left waiting.
    await revoke(tenant);
    const refused = await mcp.client.callTool({ name: 'list_webhook_endpoints', arguments: {} }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(refused?.message).toMatch(/answered 401/);
    expect(mcp.transportErrors).toEqual([]);
    expect(mcp.stderr()).not.toContain(tenant.apiKey);
  });

  it('prefers HOOKLINE_API_KEY over the dev key file', async () => {
    const [fileTenant, envTenant] = [await stack.newTenant(), await stack.newTenant()];
    const dir = dataDirOf({ api_url: stack.apiUrl, pid: process.pid }, fileTenant.apiKey);
    const mcp = await connectBridge(bareEnv(dir, { HOOKLINE_API_KEY: envTenant.apiKey }));
    const created = await mcp.call('create_webhook_endpoint', { url: 'http://127.0.0.1:9/env-key' });
    expect((await envTenant.api('GET', `/endpoints/${created.body.id}`)).status).toBe(200);
    expect((await fileTenant.api('GET', `/endpoints/${created.body.id}`)).status).toBe(404);
  });

  it('exits 2 with a message on stderr when no stack runs, its process is gone, it does not answer, or the key is refused', async () => {
    const tenant = await stack.newTenant();
    const exited = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => exited.once('exit', resolve));
    const deadPort = await closedPort();
    const cases: [string, string, RegExp][] = [
      ['no runtime.json', dataDirOf(undefined, tenant.apiKey), /No running Hookline found: .*runtime\.json does not exist/],
      ['a process that exited', dataDirOf({ api_url: stack.apiUrl, pid: exited.pid! }, tenant.apiKey), /\(pid \d+\) has exited/],
      ['a port nobody listens on', dataDirOf({ api_url: `http://127.0.0.1:${deadPort}`, pid: process.pid }, tenant.apiKey), /does not answer/],
      ['an unknown key', dataDirOf({ api_url: stack.apiUrl, pid: process.pid }, 'hk_test_notarealkey'), /dev-api-key: invalid or revoked API key/],
      ['no key', dataDirOf({ api_url: stack.apiUrl, pid: process.pid }), /HOOKLINE_API_KEY: required/],
    ];
    const runs = await Promise.all(cases.map(([, dir]) => runToExit(bareEnv(dir))));
    runs.forEach((run, i) => {
      const [what, , message] = cases[i]!;
      expect(run.code, `${what}: ${run.stderr}`).toBe(2);
      expect(run.stderr, what).toMatch(message);
      expect(run.stdout, what).toBe('');
    });
  });

  it('reaches a real `npm start` (src/main/start.ts) through the runtime.json it writes, which it removes on shutdown', async () => {
    const dir = dataDirOf(undefined);
    const port = await closedPort();
    // The run's database and Temporal, so the test does not boot a second of each; the data
    // directory is what `npm start` would use without them.
    const start = spawn(process.execPath, tsx('src/main/start.ts'), {
      cwd: repoRoot,
      env: bareEnv(dir, {
        DATABASE_URL: stack.env.databaseUrl,
        TEMPORAL_ADDRESS: stack.env.temporalAddress,
        TEMPORAL_NAMESPACE: stack.env.namespace,
        HOOKLINE_TASK_QUEUE: `${stack.taskQueue}-start`,
        HOOKLINE_WORKFLOW_BUNDLE: stack.env.workflowBundlePath,
        PORT: String(port),
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    start.stdout.on('data', (d: Buffer) => (output += d.toString()));
    start.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => start.once('exit', resolve));
    try {
      await waitFor(() => existsSync(join(dir, 'runtime.json')) || undefined, 90_000, () => `npm start to write runtime.json:\n${output.slice(-1500)}`);
      const mcp = await connectBridge(bareEnv(dir));
      const created = await mcp.call('create_webhook_endpoint', { url: 'http://127.0.0.1:9/from-start' });
      expect(created.isError, JSON.stringify(created.body)).toBe(false);
      // The dev tenant's key, from the data directory, over the stack's own API.
      const rest = await fetch(`http://127.0.0.1:${port}/manage/v1/webhooks/endpoints/${created.body.id}`, {
        headers: { authorization: `Bearer ${readFileSync(join(dir, 'dev-api-key'), 'utf8').trim()}` },
      });
      expect(rest.status).toBe(200);
      await mcp.client.close();
    } finally {
      start.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    expect(existsSync(join(dir, 'runtime.json'))).toBe(false);
    expect(output).toContain(`MCP:           http://127.0.0.1:${port}/mcp`);
  });
});
