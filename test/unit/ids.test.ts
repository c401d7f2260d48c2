import { describe, it, expect, vi, afterEach } from 'vitest';
import { ID_PREFIXES, isId, newId, type IdKind } from '../../src/ids.js';

const kinds = Object.keys(ID_PREFIXES) as IdKind[];

afterEach(() => {
  vi.useRealTimers();
});

describe('ids', () => {
  it.each(kinds)('gives %s ids their prefix and a 26-character ULID', (kind) => {
    const id = newId(kind);
    expect(id).toMatch(new RegExp(`^${ID_PREFIXES[kind]}_[0-9A-HJKMNP-TV-Z]{26}$`));
    expect(isId(kind, id)).toBe(true);
  });

  it('uses the documented prefixes', () => {
    expect(newId('endpoint')).toMatch(/^ep_/);
    expect(newId('event')).toMatch(/^evt_/);
    expect(newId('delivery')).toMatch(/^dlv_/);
    expect(newId('attempt')).toMatch(/^att_/);
    expect(newId('audit')).toMatch(/^aud_/);
    expect(newId('apiKey')).toMatch(/^key_/);
    expect(newId('idempotency')).toMatch(/^idem_/);
  });

  it('makes unique ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId('event')));
    expect(ids.size).toBe(1000);
  });

  it('sorts ids made in a later millisecond after earlier ones', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const made: string[] = [];
    const start = Date.parse('2026-11-23T12:00:00Z');
    for (let i = 0; i < 50; i++) {
      vi.setSystemTime(start + i);
      made.push(newId('delivery'));
    }
    expect([...made].sort()).toEqual(made);
  });

  it('sorts ids made across real time in creation order', async () => {
    const first = newId('event');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = newId('event');
    expect(second > first).toBe(true);
  });

  // Keyset pagination orders by id, so a burst of events created in the same millisecond must
  // still list in creation order. `ulid()` draws fresh randomness for each id in a millisecond.
  it('sorts ids made in the same millisecond in creation order', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-11-23T12:00:00Z'));
    const made = Array.from({ length: 20 }, () => newId('event'));
    expect([...made].sort()).toEqual(made);
  });

  it('recognises only ids of the given kind', () => {
    const id = newId('delivery');
    expect(isId('delivery', id)).toBe(true);
    expect(isId('event', id)).toBe(false);
    expect(isId('delivery', id.toLowerCase())).toBe(false);
    expect(isId('delivery', `${id}X`)).toBe(false);
    expect(isId('delivery', id.slice(0, -1))).toBe(false);
    expect(isId('delivery', `x${id}`)).toBe(false);
    expect(isId('delivery', 'dlv_01J0000000000000000000000I')).toBe(false); // I is not Crockford base32
    expect(isId('delivery', '')).toBe(false);
  });
});
