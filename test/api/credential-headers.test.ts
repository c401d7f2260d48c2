import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack, type Tenant } from '../helpers/stack.js';
import { startReceiver, waitFor, type Receiver } from '../helpers/receiver.js';
import { createEndpoint, getDelivery, listDeliveries, publish } from '../helpers/api.js';

let stack: Stack;
let tenant: Tenant;
let receiver: Receiver;

beforeAll(async () => {
  stack = await startStack();
  tenant = await stack.newTenant();
  receiver = await startReceiver(() => ({ status: 200 }));
});
afterAll(async () => {
  await receiver?.close();
  await stack?.stop();
});

const CREDENTIAL = 'Bearer s3cr3t-credential-value';
const KEY = 'k-0123456789-credential';

describe('credentials in custom headers', () => {
  it('are sent with every attempt but shown nowhere: endpoint, attempts and audit log carry [redacted]', async () => {
    const ep = await createEndpoint(tenant, {
      url: receiver.url,
      event_types: ['order.created'],
      headers: { Authorization: CREDENTIAL, 'X-Api-Key': KEY, 'X-Env': 'ci' },
    });
    const shown = (await tenant.api('GET', `/endpoints/${ep.id}`)).body;
    expect(shown.headers).toEqual({ Authorization: '[redacted]', 'X-Api-Key': '[redacted]', 'X-Env': 'ci' });

    await publish(tenant, 'order.created', { n: 1 });
    await waitFor(() => receiver.requests.length >= 1, 15_000, 'the delivery');
    expect(receiver.requests[0]!.headers).toMatchObject({ authorization: CREDENTIAL, 'x-api-key': KEY, 'x-env': 'ci' });

    const [delivery] = await listDeliveries(tenant, `?endpoint_id=${ep.id}`);
    const detail = await waitFor(async () => {
      const d = await getDelivery(tenant, delivery.id);
      return d.attempts.length > 0 ? d : undefined;
    }, 15_000, 'the recorded attempt');
    expect(detail.attempts[0].request_headers).toMatchObject({ Authorization: '[redacted]', 'X-Api-Key': '[redacted]', 'X-Env': 'ci' });

    const audit = await (await fetch(`${stack.apiUrl}/manage/v1/audit-log`, { headers: { authorization: `Bearer ${tenant.apiKey}` } })).json();
    expect(JSON.stringify(audit)).toContain(ep.id);
    const everything = JSON.stringify([shown, detail, audit, (await tenant.api('GET', '/endpoints')).body]);
    expect(everything).not.toContain('s3cr3t');
    expect(everything).not.toContain(KEY);
    const rows = await stack.orm.em.fork().execute(`select changes::text as c from audit_entries where resource_id = ?`, [ep.id]);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.c).not.toContain('s3cr3t');
    const attempts = await stack.orm.em.fork().execute(`select request_headers::text as h from attempts where delivery_id = ?`, [delivery.id]);
    for (const row of attempts) expect(row.h).not.toContain('s3cr3t');
  });

  it('survive an endpoint read and written back, and a [redacted] with nothing stored is a 422', async () => {
    const ep = await createEndpoint(tenant, { url: receiver.url, event_types: ['invoice.paid'], headers: { Authorization: CREDENTIAL } });
    const shown = (await tenant.api('GET', `/endpoints/${ep.id}`)).body;
    const patched = await tenant.api('PATCH', `/endpoints/${ep.id}`, { headers: { ...shown.headers, 'X-Env': 'staging' } });
    expect(patched.status).toBe(200);
    expect(patched.body.headers).toEqual({ Authorization: '[redacted]', 'X-Env': 'staging' });

    const before = receiver.requests.length;
    await publish(tenant, 'invoice.paid', { n: 2 });
    await waitFor(() => receiver.requests.length > before, 15_000, 'the delivery after the update');
    expect(receiver.requests.at(-1)!.headers).toMatchObject({ authorization: CREDENTIAL, 'x-env': 'staging' });

    const unknown = await tenant.api('PATCH', `/endpoints/${ep.id}`, { headers: { 'X-Token': '[redacted]' } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.detail[0]).toMatchObject({ loc: ['body', 'headers', 'X-Token'], type: 'value_error.redacted' });
    const created = await tenant.api('POST', '/endpoints', { url: receiver.url, headers: { Authorization: '[redacted]' } });
    expect(created.status).toBe(422);
  });
});
