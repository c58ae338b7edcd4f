/**
 * Embedding parity with PostgREST 12–14 beyond foreign keys, on the `rest_parity` fixture
 * (test/fixtures/11_rest_select_parity.sql): computed relationships, duplicate embed names,
 * relationships through views and partitions, `->`/`->>` on composite and array columns,
 * full-text search on a tsvector domain, and unknown nested paths.
 *
 *   games → makers: SimCity, SimEarth → Maxis · Chrono, Mana → Squaresoft
 *   make_of(games) SETOF ROWS 1 · maker_of(games) not SETOF · games_of(makers) SETOF
 *   makers(games) and games(makers) return nothing and replace the foreign key of that name
 */
import { describe, expect, it } from 'vitest';
import { PostgrestClient } from '@supabase/postgrest-js';
import { restUrl } from '../support/env.ts';
import { JSON_CT, profileGet, profileRows } from '../support/http.ts';

const get = profileGet(restUrl, 'rest_parity');
const client = new PostgrestClient(restUrl, { schema: 'rest_parity' });

const rows = profileRows(restUrl, 'rest_parity');

const gamesWithMakers = [
  { name: 'SimCity', maker: { name: 'Maxis' } },
  { name: 'SimEarth', maker: { name: 'Maxis' } },
  { name: 'Chrono', maker: { name: 'Squaresoft' } },
  { name: 'Mana', maker: { name: 'Squaresoft' } },
];

describe('computed relationships', () => {
  it('embeds a to-one function (SETOF … ROWS 1, or not SETOF) as an object', async () => {
    expect(await rows('games', [['select', 'name,maker:make_of(name)'], ['order', 'id']])).toEqual(gamesWithMakers);
    expect(await rows('games', [['select', 'name,maker:maker_of(name)'], ['order', 'id']])).toEqual(gamesWithMakers);
  });

  it('embeds a to-many function as an array, with its own filters, order and limit', async () => {
    expect(await rows('makers', [['select', 'name,games:games_of(name)'], ['order', 'id'], ['games.order', 'id']])).toEqual([
      { name: 'Maxis', games: [{ name: 'SimCity' }, { name: 'SimEarth' }] },
      { name: 'Squaresoft', games: [{ name: 'Chrono' }, { name: 'Mana' }] },
    ]);
    expect(await rows('makers', [['select', 'name,games:games_of(name)'], ['order', 'id'], ['games.order', 'name.desc'], ['games.limit', '1'], ['games.name', 'neq.Mana']])).toEqual([
      { name: 'Maxis', games: [{ name: 'SimEarth' }] },
      { name: 'Squaresoft', games: [{ name: 'Chrono' }] },
    ]);
  });

  it('works with !inner and Prefer: count=exact', async () => {
    const r1 = await get('makers', [['select', 'name,games:games_of!inner(name)'], ['games.name', 'eq.Chrono']], { Prefer: 'count=exact' });
    expect(r1.status, r1.text).toBe(200);
    expect(r1.json()).toEqual([{ name: 'Squaresoft', games: [{ name: 'Chrono' }] }]);
    expect(r1.headers.get('content-range')).toBe('0-0/1');
    const r2 = await get('games', [['select', 'name,maker:make_of!inner(name)'], ['maker.name', 'like.*Square*'], ['order', 'id']], { Prefer: 'count=exact' });
    expect(r2.json()).toEqual(gamesWithMakers.slice(2));
    expect(r2.headers.get('content-range')).toBe('0-1/2');
  });

  it('orders by a to-one computed embed and spreads it', async () => {
    expect(await rows('games', [['select', 'name,maker:make_of(name)'], ['order', 'maker(name).desc,id']])).toEqual([...gamesWithMakers.slice(2), ...gamesWithMakers.slice(0, 2)]);
    expect(await rows('games', [['select', 'name,...make_of(maker:name)'], ['id', 'eq.1']])).toEqual([{ name: 'SimCity', maker: 'Maxis' }]);
  });

  it('embeds from the rows of a set-returning function (RPC)', async () => {
    expect(await rows('rpc/all_games', [['select', 'name,maker:make_of(name)'], ['order', 'id']])).toEqual(gamesWithMakers);
  });

  it('embeds it in the representation of a write', async () => {
    const r = await fetch(`${restUrl}/games?select=name,maker:make_of(name)`, {
      method: 'POST',
      headers: { 'Content-Profile': 'rest_parity', 'Content-Type': 'application/json', Prefer: 'return=representation, tx=rollback' },
      body: JSON.stringify({ id: 9, name: 'SimAnt', maker_id: 1 }),
    });
    const text = await r.text();
    expect(r.status, text).toBe(201);
    expect(JSON.parse(text)).toEqual([{ name: 'SimAnt', maker: { name: 'Maxis' } }]);
    expect(await rows('games', [['select', 'id'], ['id', 'eq.9']])).toEqual([]);
  });

  it('overrides the foreign key relationship to a table of the same name', async () => {
    expect(await rows('games', [['select', '*,makers!inner(*)']])).toEqual([]);
    expect(await rows('makers', [['select', '*,games!inner(*)']])).toEqual([]);
    expect(await rows('games', [['select', 'id,makers(name)'], ['id', 'eq.1']])).toEqual([{ id: 1, makers: null }]);
  });

  it('works through postgrest-js', async () => {
    const { data, error } = await client.from('makers').select('name, games:games_of(name)').eq('id', 2).order('id', { referencedTable: 'games' });
    expect(error).toBeNull();
    expect(data).toEqual([{ name: 'Squaresoft', games: [{ name: 'Chrono' }, { name: 'Mana' }] }]);
  });
});

describe('two embeds with the same name', () => {
  it('fails with 42712 as PostgreSQL reports the duplicate join alias', async () => {
    for (const [table, select, alias] of [
      ['boards', 'id,invoices(id),invoices(amount)', 'boards_invoices_1'],
      ['boards', 'id,x:invoices(id),x:teams(name)', 'boards_x_1'],
      ['teams', 'id,boards(id,invoices(id),invoices(amount))', 'boards_invoices_2'],
    ]) {
      const r = await get(table, [['select', select]]);
      expect(r.status, select).toBe(400);
      expect(r.json()).toEqual({ code: '42712', message: `table name "${alias}" specified more than once`, details: null, hint: null });
    }
  });

  it('embeds the same relation twice under different aliases, each with its own filters', async () => {
    expect(
      await rows('boards', [['select', 'id,small:invoices(amount),big:invoices(amount)'], ['small.amount', 'lt.100'], ['big.amount', 'gte.100'], ['id', 'eq.1']]),
    ).toEqual([{ id: 1, small: [{ amount: 50 }], big: [{ amount: 150 }] }]);
  });

  it('accepts the relation name in filters of an aliased embed (PostgREST 12–14 legacy target names)', async () => {
    expect(await rows('boards', [['select', 'id,inv:invoices(amount)'], ['invoices.amount', 'gt.100'], ['id', 'eq.1']])).toEqual([{ id: 1, inv: [{ amount: 150 }] }]);
    expect(await rows('games', [['select', 'name,maker:make_of(name)'], ['order', 'make_of(name).desc,id'], ['limit', '1']])).toEqual([gamesWithMakers[2]]);
  });
});

describe('relationships through views and partitions', () => {
  it('embeds from a view, a view of a view, and a view with a subselect', async () => {
    expect(await rows('boards_v', [['select', 'name,teams(name)'], ['id', 'eq.1']])).toEqual([{ name: 'Alpha', teams: { name: 'Red' } }]);
    expect(await rows('boards_vv', [['select', 'name,teams(name)'], ['board_no', 'eq.3']])).toEqual([{ name: 'Gamma', teams: { name: 'Blue' } }]);
    expect(await rows('boards_sub', [['select', 'name,invoice_count,teams(name)'], ['id', 'eq.4']])).toEqual([{ name: 'Delta', invoice_count: 2, teams: { name: 'Blue' } }]);
  });

  it('follows view columns whose names need escaping', async () => {
    expect(await rows('teams', [['select', 'name,boards_odd(count)'], ['order', 'id']])).toEqual([
      { name: 'Red', boards_odd: [{ count: 2 }] },
      { name: 'Blue', boards_odd: [{ count: 2 }] },
    ]);
  });

  it('embeds a view of a view from the other side, and takes a view column as the hint', async () => {
    expect(await rows('teams', [['select', 'name,boards_vv(name)'], ['id', 'eq.1'], ['boards_vv.order', 'board_no']])).toEqual([
      { name: 'Red', boards_vv: [{ name: 'Alpha' }, { name: 'Beta' }] },
    ]);
    expect(await rows('boards_vv', [['select', 'name,teams!owner(name)'], ['board_no', 'eq.2']])).toEqual([{ name: 'Beta', teams: { name: 'Red' } }]);
    expect(await rows('boards_vv', [['select', 'name,owner(name)'], ['board_no', 'eq.2']])).toEqual([{ name: 'Beta', owner: { name: 'Red' } }]);
  });

  it('embeds a partitioned table, in both directions', async () => {
    expect(await rows('boards', [['select', 'name,readings(value)'], ['id', 'eq.1'], ['readings.order', 'id']])).toEqual([{ name: 'Alpha', readings: [{ value: 7 }, { value: 9 }] }]);
    expect(await rows('readings', [['select', 'id,boards(name)'], ['order', 'id']])).toEqual([
      { id: 1, boards: { name: 'Alpha' } },
      { id: 2, boards: { name: 'Alpha' } },
      { id: 3, boards: { name: 'Gamma' } },
    ]);
  });

  it('embeds many-to-many through a partitioned junction, ignoring its partitions', async () => {
    expect(await rows('boards', [['select', 'name,staff(name)'], ['id', 'in.(1,2,3)'], ['order', 'id'], ['staff.order', 'name']])).toEqual([
      { name: 'Alpha', staff: [{ name: 'Ann' }, { name: 'Bob' }] },
      { name: 'Beta', staff: [] },
      { name: 'Gamma', staff: [{ name: 'Cy' }] },
    ]);
  });

  it('does not expose partitions, as a resource or as an embed (PostgREST reaches them through their table)', async () => {
    const r1 = await get('readings_2025', [['select', 'value,boards(name)']]);
    expect(r1.status).toBe(404);
    expect(r1.json()).toEqual({ code: 'PGRST205', message: "Could not find the table 'rest_parity.readings_2025' in the schema cache", details: null, hint: null });
    const r2 = await get('boards', [['select', 'name,readings_2025(value)']]);
    expect(r2.status).toBe(400);
    expect(r2.json()).toEqual({
      code: 'PGRST200',
      message: "Could not find a relationship between 'boards' and 'readings_2025' in the schema cache",
      details: "Searched for a foreign key relationship between 'boards' and 'readings_2025' in the schema 'rest_parity', but no matches were found.",
      hint: "Perhaps you meant 'readings' instead of 'readings_2025'.",
    });
  });
});

describe('-> and ->> on composite and array columns', () => {
  it('selects a composite field and array items', async () => {
    expect(await rows('shapes', [['select', 'spot->lat,spot->>lng'], ['order', 'id']])).toEqual([
      { lat: 1.5, lng: '2.5' },
      { lat: 3.5, lng: '4.5' },
    ]);
    expect(await rows('shapes', [['select', 'a:nums->0,b:nums->>1,c:grid->1->0'], ['order', 'id']])).toEqual([
      { a: 1, b: '2', c: 3 },
      { a: 10, b: '20', c: 7 },
    ]);
  });

  it('filters and orders by them', async () => {
    expect(await rows('shapes', [['select', 'id'], ['spot->>lat', 'gt.2']])).toEqual([{ id: 2 }]);
    expect(await rows('shapes', [['select', 'id'], ['nums->0', 'eq.10']])).toEqual([{ id: 2 }]);
    expect(await rows('shapes', [['select', 'id'], ['grid->1->>1', 'eq.4']])).toEqual([{ id: 1 }]);
    expect(await rows('shapes', [['select', 'id'], ['order', 'nums->1.desc']])).toEqual([{ id: 2 }, { id: 1 }]);
    expect(await rows('shapes', [['select', 'id'], ['order', 'spot->lat.desc']])).toEqual([{ id: 2 }, { id: 1 }]);
  });
});

describe('full-text search on a tsvector domain', () => {
  it.each([
    ['fts(english).fox', 1],
    ['plfts(english).lazy dogs', 2],
    ['phfts(english).quick brown', 1],
    ['wfts(english).sleeping -fox', 2],
  ])('searches the column itself with %s', async (filter, id) => {
    expect(await rows('docs', [['select', 'id'], ['body_tsv', filter]])).toEqual([{ id }]);
  });
});

describe('unknown nested paths', () => {
  it.each(['/boards/extra', '/a/b/c'])('answers 404 PGRST125 for %s', async (path) => {
    const r = await fetch(`${restUrl}${path}`, { headers: { 'Accept-Profile': 'rest_parity' } });
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(await r.json()).toEqual({ code: 'PGRST125', message: 'Invalid path specified in request URL', details: null, hint: null });
  });
});
