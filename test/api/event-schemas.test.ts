import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/catalog/index.js';
import { createEndpoint } from '../helpers/api.js';
import { startStack, type Stack, type Tenant } from '../helpers/stack.js';

let stack: Stack;

beforeAll(async () => {
  // No worker: these tests look at what publishing accepts, not at deliveries.
  stack = await startStack({ worker: false });
});
afterAll(async () => {
  await stack?.stop();
});

const url = 'http://127.0.0.1:9/hook';

const validInvoice = {
  invoice_id: 'in_1',
  customer_id: 'cus_1',
  amount: 4200,
  currency: 'EUR',
  due_date: '2026-12-31',
  lines: [{ description: 'Seats', amount: 4000, quantity: 2 }, { description: 'Tax', amount: 200 }],
};

async function rejected(tenant: Tenant, type: string, data: unknown) {
  const res = await tenant.api('POST', '/events', { type, data });
  expect(res.status, JSON.stringify(res.body)).toBe(422);
  expect(res.body.error.type).toBe('validation_error');
  expect(res.body.error.message).toContain(type);
  return res.body.error.detail as { loc: (string | number)[]; msg: string; type: string }[];
}

describe('event data against the catalogue schemas', () => {
  it('accepts data that matches the schema and fans it out', async () => {
    const t = await stack.newTenant();
    await createEndpoint(t, { url, event_types: ['invoice.*'] });
    const res = await t.api('POST', '/events', { type: 'invoice.created', data: validInvoice });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.deliveries).toBe(1);
  });

  it('rejects a missing required field at its own location and records nothing', async () => {
    const t = await stack.newTenant();
    await createEndpoint(t, { url, event_types: ['invoice.*'] });
    const { invoice_id: _omitted, ...withoutId } = validInvoice;
    const detail = await rejected(t, 'invoice.created', withoutId);
    expect(detail).toEqual([{ loc: ['body', 'data', 'invoice_id'], msg: "must have required property 'invoice_id'", type: 'schema.required' }]);
    const deliveries = await t.api('GET', '/deliveries');
    expect(deliveries.body.data).toEqual([]);
  });

  it('reports each kind of violation with its keyword and path', async () => {
    const t = await stack.newTenant();
    const cases: { data: Record<string, unknown>; loc: (string | number)[]; type: string }[] = [
      { data: { ...validInvoice, amount: '42.00' }, loc: ['body', 'data', 'amount'], type: 'schema.type' },
      { data: { ...validInvoice, amount: 42.5 }, loc: ['body', 'data', 'amount'], type: 'schema.type' },
      { data: { ...validInvoice, amount: -1 }, loc: ['body', 'data', 'amount'], type: 'schema.minimum' },
      { data: { ...validInvoice, currency: 'euro' }, loc: ['body', 'data', 'currency'], type: 'schema.pattern' },
      { data: { ...validInvoice, invoice_id: '' }, loc: ['body', 'data', 'invoice_id'], type: 'schema.minLength' },
      { data: { ...validInvoice, due_date: '31/12/2026' }, loc: ['body', 'data', 'due_date'], type: 'schema.format' },
      {
        data: { ...validInvoice, lines: [validInvoice.lines[0], { description: 'Refund', amount: -5 }] },
        loc: ['body', 'data', 'lines', 1, 'amount'],
        type: 'schema.minimum',
      },
      { data: { ...validInvoice, lines: [{ amount: 1 }] }, loc: ['body', 'data', 'lines', 0, 'description'], type: 'schema.required' },
    ];
    for (const { data, loc, type } of cases) {
      const detail = await rejected(t, 'invoice.created', data);
      expect(detail, JSON.stringify(data)).toHaveLength(1);
      expect(detail[0]).toMatchObject({ loc, type });
      expect(detail[0]!.msg).toMatch(/^must /);
    }
  });

  it('lists every violation of one event', async () => {
    const t = await stack.newTenant();
    const detail = await rejected(t, 'budget.threshold_reached', {
      budget_id: 'b_1',
      threshold_percent: 0,
      spent: 'lots',
      currency: 'eur',
      period: 'hourly',
    });
    expect(detail.map((d) => [d.loc.slice(2).join('.'), d.type]).sort()).toEqual(
      [
        ['limit', 'schema.required'],
        ['threshold_percent', 'schema.exclusiveMinimum'],
        ['spent', 'schema.type'],
        ['currency', 'schema.pattern'],
        ['period', 'schema.enum'],
      ].sort(),
    );
  });

  it('accepts budget alerts and invoice payments shaped as documented', async () => {
    const t = await stack.newTenant();
    const budget = await t.api('POST', '/events', {
      type: 'budget.threshold_reached',
      data: { budget_id: 'b_1', threshold_percent: 80, spent: 800.5, limit: 1000, currency: 'USD', period: 'monthly', reached_at: '2026-11-23T09:00:00Z' },
    });
    expect(budget.status, JSON.stringify(budget.body)).toBe(202);
    const paid = await t.api('POST', '/events', { type: 'invoice.paid', data: { invoice_id: 'in_1', amount: 4200, currency: 'EUR' } });
    expect(paid.status, JSON.stringify(paid.body)).toBe(202);
    const badPaid = await rejected(t, 'invoice.paid', { invoice_id: 'in_1', paid_at: 'yesterday' });
    expect(badPaid).toMatchObject([{ loc: ['body', 'data', 'paid_at'], type: 'schema.format' }]);
  });

  it('accepts any object for a type without a schema', async () => {
    const t = await stack.newTenant();
    for (const data of [{}, { anything: [1, 'two', { three: null }] }, { amount: -1, currency: 'not a code' }]) {
      const res = await t.api('POST', '/events', { type: 'order.created', data });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
    }
  });
});

describe('GET /event-types', () => {
  it('lists every catalogue type with its description and, where it has one, its schema', async () => {
    const t = await stack.newTenant();
    const res = await t.api('GET', '/event-types');
    expect(res.status).toBe(200);
    const file = JSON.parse(readFileSync(new URL('../../src/catalog/event-types.json', import.meta.url), 'utf8'));
    expect(res.body.data.map((e: any) => e.name)).toEqual(file.event_types.map((e: any) => e.name));
    const byName = new Map(res.body.data.map((e: any) => [e.name, e]));
    for (const type of file.event_types) {
      const listed: any = byName.get(type.name);
      expect(listed.description).toBe(type.description);
      if (type.schema) expect(listed.schema).toEqual(type.schema);
      else expect(listed).not.toHaveProperty('schema');
    }
    expect((byName.get('invoice.created') as any).schema.required).toEqual(['invoice_id', 'amount', 'currency']);
    expect(byName.get('order.created')).not.toHaveProperty('schema');
  });
});

describe('loading the catalogue', () => {
  const write = (content: unknown) => {
    const file = join(mkdtempSync(join(tmpdir(), 'hookline-catalogue-')), 'event-types.json');
    writeFileSync(file, JSON.stringify(content));
    return file;
  };

  it('fails with the type name when a schema is not valid JSON Schema', () => {
    const typo = write({ event_types: [{ name: 'thing.happened', description: 'x', schema: { type: 'object', requird: ['id'] } }] });
    expect(() => loadCatalogue(typo)).toThrow(/"thing\.happened".*not a valid JSON Schema.*requird/s);
    const badType = write({ event_types: [{ name: 'thing.happened', description: 'x', schema: { type: 'strin' } }] });
    expect(() => loadCatalogue(badType)).toThrow(/"thing\.happened".*not a valid JSON Schema/s);
  });

  it('fails on a malformed entry or a duplicate name', () => {
    expect(() => loadCatalogue(write({ event_types: [{ name: 'thing.happened' }] }))).toThrow(/event_types\.0\.description/);
    const twice = { name: 'thing.happened', description: 'x' };
    expect(() => loadCatalogue(write({ event_types: [twice, twice] }))).toThrow(/"thing\.happened" is listed twice/);
  });
});
