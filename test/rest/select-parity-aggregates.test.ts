/**
 * Aggregate functions in `select` (PostgREST 12, db-aggregates-enabled), against the
 * `rest_parity` fixture (test/fixtures/11_rest_select_parity.sql). The test server runs with
 * DB_AGGREGATES_ENABLED=true, as PostgREST's own spec does; the disabled answer is checked on
 * the planner with a schema cache loaded from the same database.
 *
 *   invoices per board: 1 → 50, 150 · 2 → 300, 900 · 3 → 1000, 2000 · 4 → 25, 75 · 5 (Lone) → none
 *   boards per team: Red → Alpha, Beta · Blue → Gamma, Delta · none → Lone
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgrestClient } from '@supabase/postgrest-js';
import { db, restUrl } from '../support/env.ts';
import { profileGet, profileRows } from '../support/http.ts';
import { loadSchemaCache } from '../../src/api/schema-cache/build.ts';
import type { SchemaCacheData } from '../../src/api/schema-cache/model.ts';
import { parseQueryParams } from '../../src/api/engine/parse/query-params.ts';
import { findTable, planRead } from '../../src/api/engine/plan/read-plan.ts';
import { ApiError } from '../../src/shared/errors.ts';

const get = profileGet(restUrl, 'rest_parity');
const client = new PostgrestClient(restUrl, { schema: 'rest_parity' });

const rows = profileRows(restUrl, 'rest_parity');

describe('count() without a column', () => {
  it('counts every row, under an alias, and cast', async () => {
    expect(await rows('invoices', [['select', 'count()']])).toEqual([{ count: 8 }]);
    expect(await rows('invoices', [['select', 'n:count()']])).toEqual([{ n: 8 }]);
    expect(await rows('invoices', [['select', 'count()::text']])).toEqual([{ count: '8' }]);
  });

  it('groups by the other selected columns', async () => {
    expect(await rows('boards', [['select', 'c:count(),team_id'], ['order', 'team_id.desc']])).toEqual([
      { c: 1, team_id: null },
      { c: 2, team_id: 2 },
      { c: 2, team_id: 1 },
    ]);
  });

  it('reads a bare `count` as a row count when no column has that name (PostgREST backwards compatibility)', async () => {
    expect(await rows('counters', [['select', 'count']])).toEqual([{ count: 3 }]);
    expect(await rows('teams', [['select', 'name,boards(count)'], ['order', 'id']])).toEqual([
      { name: 'Red', boards: [{ count: 2 }] },
      { name: 'Blue', boards: [{ count: 2 }] },
    ]);
  });

  it('counts the groups for Prefer: count=exact', async () => {
    const r = await get('boards', [['select', 'c:count(),team_id']], { Prefer: 'count=exact' });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-range')).toBe('0-2/3');
  });
});

describe('sum, avg, min, max and count on a column', () => {
  it('aggregates the whole table, naming each result after its function', async () => {
    expect(await rows('invoices', [['select', 'amount.sum()']])).toEqual([{ sum: 4500 }]);
    expect(await rows('invoices', [['select', 'amount.min()']])).toEqual([{ min: 25 }]);
    expect(await rows('invoices', [['select', 'amount.max()']])).toEqual([{ max: 2000 }]);
    expect(await rows('invoices', [['select', 'amount.count()']])).toEqual([{ count: 8 }]);
    const avg = await get('invoices', [['select', 'amount.avg()']]);
    // PostgreSQL's numeric average, digits and all, as PostgREST returns it.
    expect(avg.text).toBe('[{"avg":562.5000000000000000}]');
  });

  it('groups by every selected column without an aggregate, aliased or not', async () => {
    const expected = [
      { sum: 100, max: 75, min: 25, board_id: 4 },
      { sum: 3000, max: 2000, min: 1000, board_id: 3 },
      { sum: 1200, max: 900, min: 300, board_id: 2 },
      { sum: 200, max: 150, min: 50, board_id: 1 },
    ];
    expect(await rows('invoices', [['select', 'amount.sum(),amount.max(),amount.min(),board_id'], ['order', 'board_id.desc']])).toEqual(expected);
    expect(await rows('invoices', [['select', 'amount.sum(),amount.max(),amount.min(),bid:board_id'], ['order', 'board_id.desc']])).toEqual(
      expected.map(({ board_id, ...rest }) => ({ ...rest, bid: board_id })),
    );
  });

  it('aliases and casts the result', async () => {
    expect(await rows('invoices', [['select', 'total:amount.sum()::text,board_id'], ['order', 'board_id'], ['board_id', 'lte.2']])).toEqual([
      { total: '200', board_id: 1 },
      { total: '1200', board_id: 2 },
    ]);
  });

  it('casts the input before aggregating, with an alias and a cast of the result', async () => {
    expect(await rows('settings', [['select', 'val->>n::integer.sum()']])).toEqual([{ sum: 20 }]);
    expect(await rows('settings', [['select', 's:val->>n::integer.sum()::text']])).toEqual([{ s: '20' }]);
  });

  it('applies filters before aggregating', async () => {
    expect(await rows('invoices', [['select', 'amount.sum()'], ['amount', 'gt.100']])).toEqual([{ sum: 4350 }]);
  });

  it('works through postgrest-js', async () => {
    const { data, error, status } = await client.from('invoices').select('board_id, total:amount.sum()').lte('board_id', 2).order('board_id');
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toEqual([
      { board_id: 1, total: 200 },
      { board_id: 2, total: 1200 },
    ]);
  });

  it('answers 42703 naming the column when it does not exist', async () => {
    const r = await get('invoices', [['select', 'nope.sum()']]);
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({ code: '42703', message: 'column invoices.nope does not exist', details: null, hint: null });
  });
});

describe('aggregates and embeds', () => {
  it('groups by a to-one embed', async () => {
    expect(await rows('invoices', [['select', 'board_id,total:amount.sum(),boards(name)'], ['order', 'board_id']])).toEqual([
      { board_id: 1, total: 200, boards: { name: 'Alpha' } },
      { board_id: 2, total: 1200, boards: { name: 'Beta' } },
      { board_id: 3, total: 3000, boards: { name: 'Gamma' } },
      { board_id: 4, total: 100, boards: { name: 'Delta' } },
    ]);
  });

  it('aggregates inside a to-many embed, one row per parent even without children', async () => {
    expect(await rows('boards', [['select', 'name,invoices(amount.sum())'], ['order', 'id']])).toEqual([
      { name: 'Alpha', invoices: [{ sum: 200 }] },
      { name: 'Beta', invoices: [{ sum: 1200 }] },
      { name: 'Gamma', invoices: [{ sum: 3000 }] },
      { name: 'Delta', invoices: [{ sum: 100 }] },
      { name: 'Lone', invoices: [{ sum: null }] },
    ]);
    expect(await rows('boards', [['select', 'name,invoices(amount.max(),amount.min(),amount.sum(),amount.count())'], ['id', 'in.(1,5)'], ['order', 'id']])).toEqual([
      { name: 'Alpha', invoices: [{ max: 150, min: 50, sum: 200, count: 2 }] },
      { name: 'Lone', invoices: [{ max: null, min: null, sum: null, count: 0 }] },
    ]);
  });

  it('hoists aggregates out of a to-one spread and groups by the spread columns', async () => {
    expect(await rows('invoices', [['select', 'total:amount.sum(),...boards(name)'], ['order', 'boards(name)']])).toEqual([
      { total: 200, name: 'Alpha' },
      { total: 1200, name: 'Beta' },
      { total: 100, name: 'Delta' },
      { total: 3000, name: 'Gamma' },
    ]);
    expect(await rows('lines', [['select', 'c:count(),...kinds(kind:name)'], ['order', 'kinds(kind)']])).toEqual([
      { c: 2, kind: 'Batch' },
      { c: 3, kind: 'Flow' },
    ]);
  });

  it('aggregates spread columns of nested to-one spreads', async () => {
    // line_staff → lines → line_costs: line 1 is staffed twice, line 4 has no cost.
    expect(await rows('line_staff', [['select', '...lines(kind_id,...line_costs(cost.sum()))'], ['order', 'lines(kind_id)']])).toEqual([
      { kind_id: 1, sum: 28 },
      { kind_id: 2, sum: 25.25 },
    ]);
    expect(await rows('line_staff', [['select', 'staff_id,...lines(n:count())'], ['order', 'staff_id']])).toEqual([
      { staff_id: 1, n: 2 },
      { staff_id: 2, n: 2 },
      { staff_id: 3, n: 1 },
    ]);
  });

  it('aggregates a spread alone into one row', async () => {
    expect(await rows('invoices', [['select', '...boards(boards:id.count())']])).toEqual([{ boards: 8 }]);
  });

  it('refuses aggregates in a to-many spread with PGRST127', async () => {
    const r = await get('plants', [['select', 'name,...lines(id.sum())']]);
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({
      code: 'PGRST127',
      message: 'Feature not implemented',
      details: 'Aggregates are not implemented for one-to-many or many-to-many spreads.',
      hint: null,
    });
  });

  it('aggregates the rows of a set-returning function', async () => {
    expect(await rows('rpc/all_games', [['select', 'id.max()']])).toEqual([{ max: 4 }]);
  });
});

describe('with DB_AGGREGATES_ENABLED off (the default)', () => {
  let cache: SchemaCacheData;
  beforeAll(async () => {
    cache = await loadSchemaCache(db(), ['rest_parity']);
  });
  afterAll(async () => {});

  const plan = (table: string, query: string) => () => planRead(cache, findTable(cache, 'rest_parity', table), parseQueryParams(query), { range: { offset: 0 } });

  it.each([
    ['invoices', 'select=amount.sum()'],
    ['invoices', 'select=count()'],
    ['boards', 'select=name,invoices(amount.sum())'],
    ['invoices', 'select=...boards(id.count())'],
    ['plants', 'select=...lines(id.count())'],
  ])('refuses %s?%s with PGRST123', (table, query) => {
    let err: unknown;
    try {
      plan(table, query)();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect([e.status, e.code, e.message, e.details ?? null, e.hint ?? null]).toEqual([400, 'PGRST123', 'Use of aggregate functions is not allowed', null, null]);
  });

  it('still plans the bare `count` column and ordinary selects', () => {
    expect(plan('counters', 'select=count')).not.toThrow();
    expect(plan('invoices', 'select=id,amount')).not.toThrow();
  });
});
