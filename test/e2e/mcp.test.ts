import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startStack, type Stack, type Tenant } from '../helpers/stack.js';
import { connectMcp, TOOLS, type McpSession as Session } from '../helpers/mcp.js';
import { receiverPool, waitFor } from '../helpers/receiver.js';
import { ApiKey } from '../../src/db/entities/index.js';
import { hashApiKey, revokeApiKey } from '../../src/services/api-keys.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const serverArgs = ['--import', './scripts/node-compat.mjs', '--import', 'tsx', 'src/main/mcp.ts'];


let stack: Stack;
const receivers = receiverPool();
const receiver = receivers.start;
const sessions: McpSession[] = [];

beforeAll(async () => {
  // One retry a second after the first attempt: a failing receiver dead-letters in seconds.
  stack = await startStack({ retrySchedule: [1] });
});
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.client.close()));
  await receivers.closeAll();
  await stack?.stop();
});


function serverEnv(apiKey: string): Record<string, string> {
  const env = { ...process.env, ...stack.workerEnv, HOOKLINE_API_KEY: apiKey, NODE_OPTIONS: '', LOG_LEVEL: 'info' };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

interface McpSession extends Session {
  /** What the server wrote to stderr (its logs). */
  stderr: () => string;
}

/** Spawns `src/main/mcp.ts` with the tenant's key and connects the SDK's own client over stdio. */
async function connect(tenant: Tenant): Promise<McpSession> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: serverArgs,
    cwd: repoRoot,
    env: serverEnv(tenant.apiKey),
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const session = { ...(await connectMcp(transport, () => stderr)), stderr: () => stderr };
  sessions.push(session);
  return session;
}

describe('MCP server', () => {
  it('lists exactly the fourteen webhook tools, each with an input and an output schema', async () => {
    const tenant = await stack.newTenant();
    const mcp = await connect(tenant);

    const { tools } = await mcp.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
    for (const tool of tools) {
      expect(tool.inputSchema.type, tool.name).toBe('object');
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      expect(tool.description, tool.name).toMatch(/REST: (GET|POST|PATCH|DELETE) \/manage\/v1\/webhooks\//);
    }
    const byName = new Map(tools.map((t) => [t.name, t]));
    // Path ids are named after what they identify; bodies and queries keep the REST field names.
    expect(byName.get('get_webhook_endpoint')!.inputSchema.required).toEqual(['endpoint_id']);
    expect(byName.get('update_webhook_endpoint')!.inputSchema.properties).toHaveProperty('event_types');
    expect(byName.get('replay_webhook_delivery')!.inputSchema.required).toEqual(['delivery_id']);
    expect(byName.get('create_webhook_endpoint')!.inputSchema.required).toEqual(['url']);
    expect(byName.get('list_webhook_deliveries')!.inputSchema.properties).toHaveProperty('status');
    expect(byName.get('get_webhook_endpoint')!.annotations?.readOnlyHint).toBe(true);
    expect(byName.get('delete_webhook_endpoint')!.annotations?.destructiveHint).toBe(true);
  });

  it('creates an endpoint, publishes an event and reads the delivery with its attempts, answering what the REST API answers', async () => {
    const tenant = await stack.newTenant();
    const recv = await receiver();
    const mcp = await connect(tenant);

    const created = await mcp.call('create_webhook_endpoint', { url: recv.url, event_types: ['order.created'], description: 'via MCP' });
    expect(created.isError, JSON.stringify(created.body)).toBe(false);
    expect(created.body).toMatchObject({ object: 'endpoint', url: recv.url, event_types: ['order.created'], status: 'active' });
    expect(created.body.signing_secret).toMatch(/^whsec_/);
    const endpointId: string = created.body.id;

    const publishArgs = { type: 'order.created', data: { order: 'ord_mcp_1', total: 1999 } };
    const published = await mcp.call('publish_webhook_event', publishArgs);
    expect(published.isError, JSON.stringify(published.body)).toBe(false);
    expect(published.body).toMatchObject({ object: 'event', type: 'order.created', deliveries: 1 });
    // The observed exchange, for the record.
    console.log(`tools/call publish_webhook_event ${JSON.stringify(publishArgs)}\n-> ${JSON.stringify(published.result)}`);

    const listed = await mcp.call('list_webhook_deliveries', { endpoint_id: endpointId });
    expect(listed.body).toMatchObject({ object: 'list', has_more: false });
    expect(listed.body.data).toHaveLength(1);
    const deliveryId: string = listed.body.data[0].id;

    const delivered = await waitFor(
      async () => {
        const d = await mcp.call('get_webhook_delivery', { delivery_id: deliveryId });
        return d.body.status === 'delivered' ? d : undefined;
      },
      30_000,
      'the delivery to be delivered',
    );
    expect(delivered.body.payload).toMatchObject({ type: 'order.created', data: publishArgs.data });
    expect(delivered.body.attempts).toHaveLength(1);
    expect(delivered.body.attempts[0]).toMatchObject({ attempt: 1, response_status: 200 });
    expect(recv.requests).toHaveLength(1);
    expect(recv.requests[0]!.headers['webhook-id']).toBe(published.body.id);

    // Same services, same presenters: the tools answer byte for byte what the routes answer,
    // once the endpoint's verification handshake (started at creation) has settled.
    await waitFor(
      async () => (await tenant.api('GET', `/endpoints/${endpointId}`)).body.verification.status !== 'pending',
      30_000,
      'the verification handshake to finish',
    );
    expect(delivered.body).toEqual((await tenant.api('GET', `/deliveries/${deliveryId}`)).body);
    expect((await mcp.call('get_webhook_endpoint', { endpoint_id: endpointId })).body).toEqual(
      (await tenant.api('GET', `/endpoints/${endpointId}`)).body,
    );
    expect((await mcp.call('list_webhook_event_types')).body).toEqual((await tenant.api('GET', '/event-types')).body);

    const stats = await mcp.call('get_webhook_endpoint_stats', { endpoint_id: endpointId, window: '1h' });
    expect(stats.body).toMatchObject({ object: 'endpoint_stats', endpoint_id: endpointId, counts: { delivered: 1 } });

    // Mutations are audited under the MCP key's name.
    const audit = await fetch(`${stack.apiUrl}/manage/v1/audit-log?resource_id=${endpointId}`, {
      headers: { authorization: `Bearer ${tenant.apiKey}` },
    });
    expect(audit.status).toBe(200);
    expect(((await audit.json()) as any).data[0].actor).toMatch(/^mcp:api_key:key_/);

    // Logs went to stderr; stdout carried nothing but the protocol.
    expect(mcp.stderr()).toContain('MCP server ready on stdio');
    expect(mcp.stderr()).toContain('"tool":"publish_webhook_event"');
    expect(mcp.transportErrors).toEqual([]);
  });

  it('replays a dead-lettered delivery once the receiver is fixed', async () => {
    const tenant = await stack.newTenant();
    let broken = true;
    const recv = await receiver(() => (broken ? { status: 503, body: 'down for maintenance' } : { status: 200 }));
    const mcp = await connect(tenant);

    const endpoint = await mcp.call('create_webhook_endpoint', { url: recv.url, event_types: ['invoice.paid'] });
    expect(endpoint.isError, JSON.stringify(endpoint.body)).toBe(false);
    await mcp.call('publish_webhook_event', { type: 'invoice.paid', data: { invoice: 'in_mcp' } });
    const [original] = (await mcp.call('list_webhook_deliveries', { endpoint_id: endpoint.body.id })).body.data;

    const dead = await waitFor(
      async () => {
        const d = await mcp.call('get_webhook_delivery', { delivery_id: original.id });
        return d.body.status === 'dead_letter' ? d : undefined;
      },
      30_000,
      'the delivery to be dead-lettered',
    );
    expect(dead.body.attempts.map((a: any) => a.response_status)).toEqual([503, 503]);

    broken = false;
    const replay = await mcp.call('replay_webhook_delivery', { delivery_id: original.id });
    expect(replay.isError, JSON.stringify(replay.body)).toBe(false);
    expect(replay.body).toMatchObject({ object: 'delivery', replay_of: original.id, event_id: original.event_id });

    const redelivered = await waitFor(
      async () => {
        const d = await mcp.call('get_webhook_delivery', { delivery_id: replay.body.id });
        return d.body.status === 'delivered' ? d : undefined;
      },
      30_000,
      'the replay to be delivered',
    );
    expect(redelivered.body.attempts).toHaveLength(1);
    expect(recv.requests.map((r) => r.headers['webhook-id'])).toEqual(Array(3).fill(original.event_id));

    const again = await mcp.call('replay_webhook_delivery', { delivery_id: replay.body.id });
    expect(again).toMatchObject({ isError: true, body: { error: { type: 'invalid_state' } } });
  });

  it("answers errors with the REST API's error body: unknown ids, bad arguments, missing scopes, revoked keys", async () => {
    const tenant = await stack.newTenant({ scopes: ['manage_webhooks'] });
    const mcp = await connect(tenant);

    const missing = await mcp.call('get_webhook_endpoint', { endpoint_id: 'ep_01JZZZZZZZZZZZZZZZZZZZZZZZ' });
    expect(missing.isError).toBe(true);
    expect(missing.body).toEqual({ error: { type: 'not_found', message: 'endpoint not found', request_id: expect.stringMatching(/^req_/) } });

    const bad = await mcp.call('create_webhook_endpoint', { url: 'not a url', timeout_seconds: 99, colour: 'blue' });
    expect(bad.isError).toBe(true);
    expect(bad.body.error).toMatchObject({ type: 'validation_error', message: 'request validation failed' });
    const locs = bad.body.error.detail.map((d: any) => d.loc.join('.'));
    expect(locs).toEqual(expect.arrayContaining(['arguments.url', 'arguments.timeout_seconds', 'arguments.colour']));
    expect(bad.body.error.detail.find((d: any) => d.loc.join('.') === 'arguments.colour')).toMatchObject({ msg: 'unknown field', type: 'extra_forbidden' });

    const nul = await mcp.call('create_webhook_endpoint', { url: 'http://127.0.0.1:9/h', name: 'a\u0000b', metadata: { k: 'x\udfff' } });
    expect(nul.body.error).toMatchObject({ type: 'validation_error', detail: [{ loc: ['arguments', 'name'], type: 'value_error.nul' }] });
    const unsafeId = await mcp.call('get_webhook_endpoint', { endpoint_id: 'ep_\u0000' });
    expect(unsafeId.body.error.detail[0]).toMatchObject({ loc: ['arguments', 'endpoint_id'], type: 'value_error.nul' });

    const noId = await mcp.call('update_webhook_endpoint', { description: 'x' });
    expect(noId.body.error.detail.map((d: any) => d.loc)).toEqual([['arguments', 'endpoint_id']]);

    const badWindow = await mcp.call('get_webhook_endpoint_stats', { endpoint_id: 'ep_x', window: 'forever' });
    expect(badWindow.body.error.detail[0].loc).toEqual(['arguments', 'window']);

    // This key lacks publish_events: the tool is listed but refused, as the route is.
    const refused = await mcp.call('publish_webhook_event', { type: 'order.created', data: {} });
    expect(refused.isError).toBe(true);
    expect(refused.body.error).toMatchObject({ type: 'forbidden', message: 'this route needs the "publish_events" scope' });
    expect((await mcp.call('list_webhook_endpoints')).isError).toBe(false);

    // A key revoked while the server runs stops working at the next call.
    const em = stack.orm.em.fork();
    const key = await em.findOneOrFail(ApiKey, { hash: hashApiKey(tenant.apiKey) });
    await revokeApiKey(em, key.id, 'test');
    const revoked = await mcp.call('list_webhook_endpoints');
    expect(revoked).toMatchObject({ isError: true, body: { error: { type: 'unauthorized', message: 'invalid or revoked API key' } } });
    expect(mcp.stderr()).not.toContain(tenant.apiKey);
  });

  it('refuses to start without a valid HOOKLINE_API_KEY, saying so on stderr', async () => {
    const run = (apiKey: string) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, serverArgs, { cwd: repoRoot, env: serverEnv(apiKey) });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    const [none, wrong] = await Promise.all([run(''), run('hk_test_notarealkey')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('HOOKLINE_API_KEY: required');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('HOOKLINE_API_KEY: invalid or revoked API key');
    expect(none.stdout + wrong.stdout).toBe('');
  });
});
