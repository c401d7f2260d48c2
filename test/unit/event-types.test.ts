import { describe, it, expect } from 'vitest';
import { subscribes } from '../../src/event-types.js';

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
