import { describe, it, expect } from 'vitest';
import { pageQuery, toPage, type PageRequest } from '../../src/services/pagination.js';

type Row = { id: string };

/** Rows evt_01 … evt_NN, oldest first (ids sort like ULIDs: later = greater). */
const rows = (n: number): Row[] => Array.from({ length: n }, (_, i) => ({ id: `evt_${String(i + 1).padStart(2, '0')}` }));

/** Runs a pageQuery against an in-memory table, the way the ORM would. */
function run(table: Row[], req: PageRequest): Row[] {
  const q = pageQuery(req);
  const cond = q.where.id as { $gt?: string; $lt?: string } | undefined;
  return table
    .filter((r) => (cond?.$gt === undefined || r.id > cond.$gt) && (cond?.$lt === undefined || r.id < cond.$lt))
    .sort((a, b) => (q.order === 'asc' ? a.id.localeCompare(b.id) : b.id.localeCompare(a.id)))
    .slice(0, q.take);
}

const ids = (page: { data: Row[] }) => page.data.map((r) => r.id);

describe('pageQuery', () => {
  it('asks for one row more than the limit, newest first, with no cursor', () => {
    expect(pageQuery({ limit: 20 })).toEqual({ where: {}, order: 'desc', take: 21 });
  });

  it('asks for older rows after a starting_after cursor', () => {
    expect(pageQuery({ limit: 10, startingAfter: 'evt_05' })).toEqual({
      where: { id: { $lt: 'evt_05' } },
      order: 'desc',
      take: 11,
    });
  });

  it('asks for newer rows in ascending order before an ending_before cursor', () => {
    expect(pageQuery({ limit: 10, endingBefore: 'evt_05' })).toEqual({
      where: { id: { $gt: 'evt_05' } },
      order: 'asc',
      take: 11,
    });
  });
});

describe('toPage', () => {
  it('reports has_more and the last id as next_cursor when a row beyond the limit came back', () => {
    const page = toPage([{ id: 'c' }, { id: 'b' }, { id: 'a' }], { limit: 2 });
    expect(ids(page)).toEqual(['c', 'b']);
    expect(page.hasMore).toBe(true);
    expect(page.nextCursor).toBe('b');
  });

  it('reports no more and a null next_cursor on the last page', () => {
    const exact = toPage([{ id: 'b' }, { id: 'a' }], { limit: 2 });
    expect(exact).toEqual({ data: [{ id: 'b' }, { id: 'a' }], hasMore: false, nextCursor: null });
    expect(toPage([], { limit: 2 })).toEqual({ data: [], hasMore: false, nextCursor: null });
  });

  it('reverses an ending_before page so data is still newest first', () => {
    const table = rows(10);
    const page = toPage(run(table, { limit: 3, endingBefore: 'evt_05' }), { limit: 3, endingBefore: 'evt_05' });
    // The three rows immediately newer than the cursor, newest first.
    expect(ids(page)).toEqual(['evt_08', 'evt_07', 'evt_06']);
    expect(page.hasMore).toBe(true);
  });

  it('reports no more on an ending_before page that reaches the newest row', () => {
    const table = rows(10);
    const page = toPage(run(table, { limit: 5, endingBefore: 'evt_07' }), { limit: 5, endingBefore: 'evt_07' });
    expect(ids(page)).toEqual(['evt_10', 'evt_09', 'evt_08']);
    expect(page.hasMore).toBe(false);
    expect(page.nextCursor).toBeNull();
  });
});

describe('paging through a table', () => {
  it('visits every row exactly once, newest first, following next_cursor', () => {
    const table = rows(23);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const req = { limit: 5, startingAfter: cursor };
      const page = toPage(run(table, req), req);
      seen.push(...ids(page));
      pages += 1;
      if (!page.hasMore) {
        expect(page.nextCursor).toBeNull();
        break;
      }
      cursor = page.nextCursor!;
    }
    expect(pages).toBe(5);
    expect(seen).toEqual(table.map((r) => r.id).reverse());
  });

  it('walks back towards newer rows with ending_before = the first id of each page', () => {
    const table = rows(12);
    const seen: string[] = [];
    let before = 'evt_01';
    for (;;) {
      const req = { limit: 4, endingBefore: before };
      const page = toPage(run(table, req), req);
      seen.unshift(...ids(page));
      if (!page.hasMore) break;
      before = page.data[0]!.id;
    }
    expect(seen).toEqual(table.slice(1).map((r) => r.id).reverse());
  });

  it('stays stable when newer rows are inserted between pages', () => {
    const table = rows(10);
    const first = toPage(run(table, { limit: 4 }), { limit: 4 });
    table.push({ id: 'evt_11' }, { id: 'evt_12' });
    const req = { limit: 4, startingAfter: first.nextCursor! };
    const second = toPage(run(table, req), req);
    expect(ids(first)).toEqual(['evt_10', 'evt_09', 'evt_08', 'evt_07']);
    expect(ids(second)).toEqual(['evt_06', 'evt_05', 'evt_04', 'evt_03']);
  });
});
