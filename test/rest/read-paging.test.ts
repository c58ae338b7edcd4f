/**
 * Paging on the read side of /rest/v1 (PostgREST 12–14 semantics): limit/offset,
 * the Range request header, Content-Range on every response, 200 vs 206 vs 416,
 * Prefer: count=exact|planned|estimated, and HEAD.
 *
 * PostgREST's rules, as implemented in its RangeQuery module:
 *  - Content-Range is "<first>-<last>/<total>"; the range part is "*" when no row is
 *    returned (or the total is 0) and the total is "*" unless a count was requested.
 *  - Without a count the status is always 200.
 *  - With a count: 416 when the offset is past the total, 206 when fewer rows than
 *    the total are returned, 200 otherwise.
 *
 * `books` has 7 rows (ids 1..7) visible to anon.
 */
import { describe, expect, it } from 'vitest';
import { PostgrestClient } from '@supabase/postgrest-js';
import { restUrl } from '../support/env.ts';
import { type Json, type Param, type Reply, toReply } from '../support/http.ts';

const client = new PostgrestClient(restUrl, { schema: 'rest_read' });

async function request(
  method: 'GET' | 'HEAD',
  table: string,
  params: Param[] = [],
  headers: Record<string, string> = {},
): Promise<Reply> {
  const search = new URLSearchParams(params).toString();
  const res = await fetch(`${restUrl}/${table}${search ? `?${search}` : ''}`, {
    method,
    headers: { 'Accept-Profile': 'rest_read', ...headers },
  });
  return toReply(res);
}

const get = (table: string, params: Param[] = [], headers: Record<string, string> = {}) =>
  request('GET', table, params, headers);
const head = (table: string, params: Param[] = [], headers: Record<string, string> = {}) =>
  request('HEAD', table, params, headers);

const ids = (r: Reply): number[] => r.json().map((row: { id: number }) => row.id);

/** Asserts status, Content-Range and the ids returned by a GET on books ordered by id. */
async function expectBooks(
  params: Param[],
  headers: Record<string, string>,
  expected: { status: number; range: string; ids: number[] },
) {
  const r = await get('books', [['select', 'id'], ['order', 'id'], ...params], headers);
  expect({ status: r.status, range: r.headers.get('content-range'), ids: ids(r) }).toEqual(expected);
}

const exact = { Prefer: 'count=exact' };

describe('limit and offset', () => {
  it('returns every row with Content-Range 0-6/* when nothing limits the result', async () => {
    await expectBooks([], {}, { status: 200, range: '0-6/*', ids: [1, 2, 3, 4, 5, 6, 7] });
  });

  it('limit returns the first rows', async () => {
    await expectBooks([['limit', '3']], {}, { status: 200, range: '0-2/*', ids: [1, 2, 3] });
  });

  it('limit and offset return a page', async () => {
    await expectBooks([['limit', '2'], ['offset', '2']], {}, { status: 200, range: '2-3/*', ids: [3, 4] });
  });

  it('offset alone skips rows', async () => {
    await expectBooks([['offset', '5']], {}, { status: 200, range: '5-6/*', ids: [6, 7] });
  });

  it('a limit larger than the table returns everything', async () => {
    await expectBooks([['limit', '100']], {}, { status: 200, range: '0-6/*', ids: [1, 2, 3, 4, 5, 6, 7] });
  });

  it('limit=0 returns [] with Content-Range */*', async () => {
    await expectBooks([['limit', '0']], {}, { status: 200, range: '*/*', ids: [] });
  });

  it('an offset past the end without a count returns 200 [] with */*', async () => {
    await expectBooks([['offset', '10']], {}, { status: 200, range: '*/*', ids: [] });
  });

  it('an empty result returns 200 [] with */*', async () => {
    await expectBooks([['id', 'eq.999']], {}, { status: 200, range: '*/*', ids: [] });
  });

  it('applies limit after filters and order', async () => {
    await expectBooks(
      [['genre', 'eq.fiction'], ['limit', '2'], ['offset', '1']],
      {},
      { status: 200, range: '1-2/*', ids: [2, 3] },
    );
  });

  it('postgrest-js range(from, to) sends offset and limit', async () => {
    const { data, error, status, count } = await client.from('books').select('id').order('id').range(1, 3);
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(count).toBeNull();
    expect(data).toEqual([{ id: 2 }, { id: 3 }, { id: 4 }]);
  });

  it('postgrest-js limit(n)', async () => {
    const { data, error } = await client.from('books').select('id').order('id', { ascending: false }).limit(2);
    expect(error).toBeNull();
    expect(data).toEqual([{ id: 7 }, { id: 6 }]);
  });
});

describe('Range request header', () => {
  it('Range: 0-1 returns the first two rows with 200 when no count is asked', async () => {
    await expectBooks([], { Range: '0-1' }, { status: 200, range: '0-1/*', ids: [1, 2] });
  });

  it('accepts Range-Unit: items alongside Range', async () => {
    await expectBooks([], { 'Range-Unit': 'items', Range: '1-2' }, { status: 200, range: '1-2/*', ids: [2, 3] });
  });

  it('understands an open-ended range', async () => {
    await expectBooks([], { Range: '2-' }, { status: 200, range: '2-6/*', ids: [3, 4, 5, 6, 7] });
  });

  it('truncates a range that goes beyond the last row', async () => {
    await expectBooks([], { Range: '5-100' }, { status: 200, range: '5-6/*', ids: [6, 7] });
  });

  it('returns 200 [] with */* for a range past the end when no count is asked', async () => {
    await expectBooks([], { Range: '10-20' }, { status: 200, range: '*/*', ids: [] });
  });

  it('is intersected with the limit parameter', async () => {
    await expectBooks([['limit', '3']], { Range: '0-1' }, { status: 200, range: '0-1/*', ids: [1, 2] });
    await expectBooks([['limit', '1']], { Range: '0-4' }, { status: 200, range: '0-0/*', ids: [1] });
  });

  it('ignores a Range header it cannot parse', async () => {
    await expectBooks([], { Range: 'items=0-1' }, { status: 200, range: '0-6/*', ids: [1, 2, 3, 4, 5, 6, 7] });
    await expectBooks([], { Range: 'abc' }, { status: 200, range: '0-6/*', ids: [1, 2, 3, 4, 5, 6, 7] });
  });

  it('refuses a range whose lower bound is above its upper bound with 416 PGRST103', async () => {
    const r = await get('books', [], { Range: '3-1' });
    expect(r.status).toBe(416);
    expect(r.json()).toEqual({
      code: 'PGRST103',
      message: 'Requested range not satisfiable',
      details: 'The lower boundary must be lower than or equal to the upper boundary in the Range header.',
      hint: null,
    });
  });
});

describe('Prefer: count=exact', () => {
  it('returns 200 and the total when every row is returned', async () => {
    await expectBooks([], exact, { status: 200, range: '0-6/7', ids: [1, 2, 3, 4, 5, 6, 7] });
  });

  it('returns 206 Partial Content when a limit returns fewer rows than the total', async () => {
    await expectBooks([['limit', '2']], exact, { status: 206, range: '0-1/7', ids: [1, 2] });
  });

  it('returns 206 for the last page too', async () => {
    await expectBooks([['offset', '5'], ['limit', '5']], exact, { status: 206, range: '5-6/7', ids: [6, 7] });
  });

  it('returns 206 for a Range header', async () => {
    await expectBooks([], { ...exact, Range: '0-1' }, { status: 206, range: '0-1/7', ids: [1, 2] });
  });

  it('counts the rows matching the filters, not the table', async () => {
    await expectBooks([['genre', 'eq.fiction']], exact, { status: 200, range: '0-3/4', ids: [1, 2, 3, 4] });
  });

  it('returns 200 [] with */0 when nothing matches', async () => {
    await expectBooks([['id', 'eq.999']], exact, { status: 200, range: '*/0', ids: [] });
  });

  it('returns 206 [] with */7 for limit=0', async () => {
    await expectBooks([['limit', '0']], exact, { status: 206, range: '*/7', ids: [] });
  });

  it('returns 206 [] with */7 for an offset equal to the total', async () => {
    await expectBooks([['offset', '7']], exact, { status: 206, range: '*/7', ids: [] });
  });

  it('refuses an offset past the total with 416 PGRST103 and Content-Range */7', async () => {
    const r = await get('books', [['offset', '8']], exact);
    expect(r.status).toBe(416);
    expect(r.headers.get('content-range')).toBe('*/7');
    expect(r.json()).toEqual({
      code: 'PGRST103',
      message: 'Requested range not satisfiable',
      details: 'An offset of 8 was requested, but there are only 7 rows.',
      hint: null,
    });
  });

  it('refuses a Range starting past the total with 416 PGRST103', async () => {
    const r = await get('books', [], { ...exact, Range: '10-20' });
    expect(r.status).toBe(416);
    expect(r.headers.get('content-range')).toBe('*/7');
    expect(r.json()).toEqual({
      code: 'PGRST103',
      message: 'Requested range not satisfiable',
      details: 'An offset of 10 was requested, but there are only 7 rows.',
      hint: null,
    });
  });

  it('refuses a non-zero offset on an empty result with 416 and */0', async () => {
    const r = await get('books', [['id', 'eq.999'], ['offset', '1']], exact);
    expect(r.status).toBe(416);
    expect(r.headers.get('content-range')).toBe('*/0');
    expect(r.json()).toEqual({
      code: 'PGRST103',
      message: 'Requested range not satisfiable',
      details: 'An offset of 1 was requested, but there are only 0 rows.',
      hint: null,
    });
  });

  it('reports the preference as applied', async () => {
    const r = await get('books', [['select', 'id']], exact);
    expect(r.headers.get('preference-applied')).toBe('count=exact');
  });

  it('counts only the rows row level security lets anon see', async () => {
    const r = await get('documents', [['select', 'id'], ['order', 'id']], exact);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-range')).toBe('0-1/2');
    expect(ids(r)).toEqual([1, 3]);
  });

  it('counts the top-level rows that survive !inner and null-embed filters', async () => {
    const inner = await get('authors', [['select', 'id,books!inner(id)'], ['books.genre', 'eq.poetry']], exact);
    expect(inner.status).toBe(200);
    expect(inner.headers.get('content-range')).toBe('0-0/1');
    const anti = await get('authors', [['select', 'id,books()'], ['books', 'is.null']], exact);
    expect(anti.status).toBe(200);
    expect(anti.headers.get('content-range')).toBe('0-0/1');
    expect(anti.json()).toEqual([{ id: 5 }]);
  });

  it('counts parents, not embedded children', async () => {
    const r = await get('authors', [['select', 'id,books(id)'], ['limit', '2'], ['order', 'id']], exact);
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe('0-1/5');
  });

  it('is what postgrest-js count: exact reads back', async () => {
    const { data, error, status, count } = await client
      .from('books')
      .select('id', { count: 'exact' })
      .order('id')
      .range(0, 2);
    expect(error).toBeNull();
    expect(status).toBe(206);
    expect(count).toBe(7);
    expect(data).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  });
});

describe('Prefer: count=planned and count=estimated', () => {
  for (const kind of ['planned', 'estimated'] as const) {
    it(`count=${kind} returns the rows and a numeric total in Content-Range`, async () => {
      const r = await get('books', [['select', 'id'], ['order', 'id'], ['limit', '3']], { Prefer: `count=${kind}` });
      expect([200, 206]).toContain(r.status);
      expect(ids(r)).toEqual([1, 2, 3]);
      expect(r.headers.get('content-range')).toMatch(/^0-2\/\d+$/);
    });

    it(`count=${kind} through postgrest-js yields a number`, async () => {
      const { error, count } = await client.from('books').select('id', { count: kind }).limit(1);
      expect(error).toBeNull();
      expect(Number.isInteger(count)).toBe(true);
      expect(count).toBeGreaterThan(0);
    });
  }
});

describe('Content-Range on every successful read', () => {
  it('is present on embedded reads', async () => {
    const r = await get('authors', [['select', 'id,books(id)'], ['order', 'id']]);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-range')).toBe('0-4/*');
  });

  it('is present on CSV responses', async () => {
    const r = await get('books', [['select', 'id'], ['order', 'id']], { Accept: 'text/csv' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-range')).toBe('0-6/*');
  });

  it('is present on singular object responses', async () => {
    const r = await get('books', [['id', 'eq.1']], { Accept: 'application/vnd.pgrst.object+json' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-range')).toBe('0-0/*');
  });

  it('is present on views', async () => {
    const r = await get('fiction_books', [['select', 'id']]);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-range')).toBe('0-3/*');
  });
});

describe('HEAD', () => {
  it('answers like GET without a body', async () => {
    const r = await head('books', [['select', 'id'], ['order', 'id'], ['limit', '3'], ['offset', '2']]);
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.headers.get('content-range')).toBe('2-4/*');
  });

  it('reports the exact count', async () => {
    const all = await head('books', [], exact);
    expect(all.status).toBe(200);
    expect(all.text).toBe('');
    expect(all.headers.get('content-range')).toBe('0-6/7');

    const page = await head('books', [['limit', '2']], exact);
    expect(page.status).toBe(206);
    expect(page.headers.get('content-range')).toBe('0-1/7');
  });

  it('applies filters to the count', async () => {
    const r = await head('books', [['genre', 'eq.fiction']], exact);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-range')).toBe('0-3/4');
  });

  it('answers errors with the error status and no body', async () => {
    const r = await head('books', [['id', 'foo.1']]);
    expect(r.status).toBe(400);
    expect(r.text).toBe('');
  });

  it('is what postgrest-js head: true sends', async () => {
    const { data, error, status, count } = await client.from('books').select('*', { count: 'exact', head: true });
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toBeNull();
    expect(count).toBe(7);
  });
});
