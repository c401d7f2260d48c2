import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ worker: false });
});
afterAll(async () => {
  await stack?.stop();
});

/** Runs `npm run cli -- …args` as the user would, against the stack's database. */
function cli(...args: string[]) {
  return runCli(args, { DATABASE_URL: stack.env.databaseUrl });
}

/** `/manage/v1<path>` with a bearer token. */
async function call(token: string, path: string) {
  const res = await fetch(`${stack.apiUrl}/manage/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as any };
}

function printedKey(stdout: string): { key: string; id: string } {
  const key = /\bhk_(?:test|live)_[A-Za-z0-9]+\b/.exec(stdout)?.[0];
  const id = /\bkey_[0-9A-Z]{26}\b/.exec(stdout)?.[0];
  expect(key, stdout).toBeDefined();
  expect(id, stdout).toBeDefined();
  return { key: key!, id: id! };
}

describe('the tenant and key CLI', () => {
  it('creates a tenant and a key that works against the API, lists keys without them, and revokes them', async () => {
    const tenant = `cli-${randomBytes(4).toString('hex')}`;
    const created = await cli('tenants', 'create', tenant, '--name', 'CLI Test', '--partner', 'prt_cli');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(tenant);

    const again = await cli('tenants', 'create', tenant);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);

    const listed = await cli('tenants', 'list');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${tenant}\\s+CLI Test\\s+prt_cli`));

    const made = await cli('keys', 'create', '--tenant', tenant, '--env', 'test', '--scopes', 'manage_webhooks,publish_events', '--name', 'ci');
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/cannot be shown again/);
    const first = printedKey(made.stdout);
    const second = printedKey((await cli('keys', 'create', '--tenant', tenant, '--scopes', 'manage_webhooks')).stdout);

    const endpoints = await call(first.key, '/webhooks/endpoints');
    expect(endpoints.status).toBe(200);
    expect(endpoints.body.data).toEqual([]);

    const keys = await cli('keys', 'list', '--tenant', tenant);
    expect(keys.code, keys.stderr).toBe(0);
    expect(keys.stdout).toContain(first.id);
    expect(keys.stdout).toContain(first.key.slice(0, 12));
    expect(keys.stdout).not.toContain(first.key);
    expect(keys.stdout).not.toContain(second.key);

    const revoked = await cli('keys', 'revoke', first.id);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect((await call(first.key, '/webhooks/endpoints')).status).toBe(401);
    expect((await call(second.key, '/webhooks/endpoints')).status).toBe(200);
    expect((await cli('keys', 'list', '--tenant', tenant)).stdout).toMatch(new RegExp(`${first.id}.*\\d{4}-\\d\\d-\\d\\dT\\S+Z\\s*$`, 'm'));

    const audit = await call(second.key, '/audit-log?resource_type=api_key');
    expect(audit.status).toBe(200);
    const entries = audit.body.data as { actor: string; action: string; resource_id: string }[];
    expect(entries.map((e) => [e.action, e.resource_id, e.actor])).toEqual([
      ['api_key.revoked', first.id, 'cli'],
      ['api_key.created', second.id, 'cli'],
      ['api_key.created', first.id, 'cli'],
    ]);
    expect(JSON.stringify(audit.body)).not.toContain(first.key);
    expect(JSON.stringify(audit.body)).not.toContain(second.key);
  }, 180_000);

  it('refuses a key for a tenant that does not exist', async () => {
    const res = await cli('keys', 'create', '--tenant', `missing-${randomBytes(4).toString('hex')}`);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/does not exist/);
  });

  it('prints the usage and exits 2 on an unknown command, a bad flag or a bad value', async () => {
    for (const args of [['frobnicate'], ['keys', 'rotate'], ['keys', 'create', '--tenant', 'x', '--bogus'], ['keys', 'create', '--tenant', 'x', '--scopes', 'root'], ['secrets', 'reencrypt', '--batch-size', '0'], []]) {
      const res = await cli(...args);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stdout + res.stderr, args.join(' ')).toMatch(/Usage: npm run cli/);
    }
  }, 120_000);
});
