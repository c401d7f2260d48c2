import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Endpoint } from '../../src/db/entities/index.js';
import { createOrm, type Orm } from '../../src/db/orm.js';
import { normalizeFilter, subscribersWhere, subscribes } from '../../src/event-types.js';
import { newId } from '../../src/ids.js';

describe('event type subscription filters', () => {
  it('matches an exact event type only', () => {
    expect(subscribes(['invoice.paid'], 'invoice.paid')).toBe(true);
    expect(subscribes(['invoice.paid'], 'invoice.created')).toBe(false);
    expect(subscribes(['invoice.paid'], 'invoice.paid.late')).toBe(false);
  });

  it('matches everything with *', () => {
    expect(subscribes(['*'], 'invoice.paid')).toBe(true);
    expect(subscribes(['*'], 'customer.deleted')).toBe(true);
  });

  it('matches everything with an empty filter', () => {
    expect(subscribes([], 'invoice.paid')).toBe(true);
    expect(subscribes([], 'anything.at.all')).toBe(true);
  });

  it('matches a prefix wildcard at any depth below the prefix', () => {
    expect(subscribes(['invoice.*'], 'invoice.paid')).toBe(true);
    expect(subscribes(['invoice.*'], 'invoice.line.created')).toBe(true);
  });

  it('does not let a prefix wildcard match a longer word or the bare prefix', () => {
    expect(subscribes(['invoice.*'], 'invoices.paid')).toBe(false);
    expect(subscribes(['invoice.*'], 'invoice')).toBe(false);
    expect(subscribes(['invoice.*'], 'customer.invoice.paid')).toBe(false);
  });

  it('matches when any pattern in the list matches', () => {
    const filter = ['customer.created', 'invoice.*'];
    expect(subscribes(filter, 'customer.created')).toBe(true);
    expect(subscribes(filter, 'invoice.voided')).toBe(true);
    expect(subscribes(filter, 'customer.deleted')).toBe(false);
  });
});

/** Filters and event types whose answer is known: `*`, prefixes at every depth, operational types. */
const CASES: { filter: string[]; eventType: string; subscribed: boolean }[] = [
  { filter: ['*'], eventType: 'invoice.paid', subscribed: true },
  { filter: ['*'], eventType: 'endpoint.failing', subscribed: false },
  { filter: ['*'], eventType: 'delivery.dead_lettered', subscribed: false },
  { filter: ['invoice.paid'], eventType: 'invoice.paid', subscribed: true },
  { filter: ['invoice.paid'], eventType: 'invoice.created', subscribed: false },
  { filter: ['invoice.paid'], eventType: 'invoice.paid.late', subscribed: false },
  { filter: ['invoice.*'], eventType: 'invoice.paid', subscribed: true },
  { filter: ['invoice.*'], eventType: 'invoice.line.created', subscribed: true },
  { filter: ['invoice.line.*'], eventType: 'invoice.line.created', subscribed: true },
  { filter: ['invoice.line.*'], eventType: 'invoice.paid', subscribed: false },
  { filter: ['invoice.*'], eventType: 'invoices.paid', subscribed: false },
  { filter: ['invoice.*'], eventType: 'invoice', subscribed: false },
  { filter: ['invoice.*'], eventType: 'customer.invoice.paid', subscribed: false },
  { filter: ['endpoint.*'], eventType: 'endpoint.failing', subscribed: true },
  { filter: ['endpoint.*'], eventType: 'endpoint.recovered', subscribed: true },
  { filter: ['endpoint.failing'], eventType: 'endpoint.failing', subscribed: true },
  { filter: ['endpoint.failing'], eventType: 'endpoint.disabled', subscribed: false },
  { filter: ['*', 'endpoint.disabled'], eventType: 'endpoint.disabled', subscribed: true },
  { filter: ['*', 'endpoint.disabled'], eventType: 'endpoint.failing', subscribed: false },
  { filter: ['customer.created', 'invoice.*'], eventType: 'invoice.voided', subscribed: true },
  { filter: ['customer.created', 'invoice.*'], eventType: 'customer.deleted', subscribed: false },
];

describe('the SQL filter of GET /endpoints?event_type= and publishing', () => {
  let orm: Orm;
  const tenantId = `subscriptions_${Date.now()}`;
  const ids: string[] = [];

  beforeAll(async () => {
    orm = await createOrm(inject('hookline').databaseUrl, { max: 1 });
    const em = orm.em.fork();
    for (const { filter } of CASES) {
      const endpoint = em.create(Endpoint, {
        id: newId('endpoint'),
        tenantId,
        environment: 'test',
        url: 'http://127.0.0.1:9/hook',
        eventTypes: normalizeFilter(filter),
        headers: {},
        verification: { status: 'pending', verified_at: null, reason: null },
        metadata: {},
        secretSealed: 'unused',
      });
      ids.push(endpoint.id);
    }
    await em.flush();
  });
  afterAll(async () => {
    await orm?.em.fork().nativeDelete(Endpoint, { tenantId });
    await orm?.close();
  });

  it('agree on every case of the table, and both give the expected answer', async () => {
    const em = orm.em.fork();
    for (const eventType of new Set(CASES.map((c) => c.eventType))) {
      const listed = new Set((await em.find(Endpoint, { tenantId, ...subscribersWhere(eventType) }, { fields: ['id'] })).map((e) => e.id));
      CASES.forEach((c, i) => {
        if (c.eventType !== eventType) return;
        const where = `${JSON.stringify(c.filter)} / ${eventType}`;
        expect(subscribes(c.filter, eventType), `in memory: ${where}`).toBe(c.subscribed);
        expect(listed.has(ids[i]!), `SQL: ${where}`).toBe(c.subscribed);
      });
    }
  });
});
