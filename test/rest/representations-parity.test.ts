/**
 * PostgREST's domain representations: a domain with casts to and from json (and from text) is
 * shown through them. Fixture: test/fixtures/13_rest_representations.sql (schema rest_repr,
 * where `color` is an integer domain rendered as "#RRGGBB").
 */
import { describe, expect, it } from 'vitest';
import { db, restUrl } from '../support/env.ts';
import { sender, toReply, type Param } from '../support/http.ts';

const send = sender(restUrl, 'rest_repr');
const get = async (path: string, params: Param[]) => toReply(await send('GET', path, { params }));

/** The stored (underlying integer) colors of rows, read with SQL, not through the API. */
async function stored(table: 'labels' | 'tasks', ids: number[]): Promise<(number | null)[]> {
  const r = await db().query(`SELECT color::int AS color FROM rest_repr.${table} WHERE id = ANY($1) ORDER BY id`, [ids]);
  return r.rows.map((x) => x.color);
}

describe('reads', () => {
  it('renders a domain column through its json cast', async () => {
    const r = await get('/labels', [['order', 'id']]);
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([
      { id: 1, name: 'urgent', color: '#FF0000' },
      { id: 2, name: 'calm', color: '#0000FF' },
      // the cast function turns NULL into "" (PostgREST's fixture does the same)
      { id: 3, name: 'none', color: '' },
    ]);
  });

  it('renders it in a selected, renamed column, and casts the rendered value under an explicit cast', async () => {
    const r = await get('/tasks', [['select', 'id,hue:color,shown:color::text'], ['id', 'eq.2']]);
    expect(r.status, r.text).toBe(200);
    // PostgREST casts the rendered JSON value: the text of "#123456", quotes included.
    expect(r.json()).toEqual([{ id: 2, hue: '#123456', shown: '"#123456"' }]);
  });

  it('renders a computed column returning the domain', async () => {
    const r = await get('/labels', [['select', 'id,darker'], ['id', 'lt.3'], ['order', 'id']]);
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([{ id: 1, darker: '#7F0000' }, { id: 2, darker: '#00007F' }]);
  });

  it('aggregates the rendered values', async () => {
    const r = await get('/labels', [['select', 'color.count()'], ['id', 'lt.100']]);
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([{ count: 3 }]);
  });

  it('puts the rendered JSON value in CSV', async () => {
    const res = await send('GET', '/labels', { params: [['select', 'id,color'], ['id', 'lt.3'], ['order', 'id']], headers: { Accept: 'text/csv' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('id,color\n1,"""#FF0000"""\n2,"""#0000FF"""');
  });

  it('renders it inside to-one and to-many embeds', async () => {
    const one = await get('/tasks', [['select', 'id,color,labels(name,color)'], ['id', 'in.(1,2)'], ['order', 'id']]);
    expect(one.status, one.text).toBe(200);
    expect(one.json()).toEqual([
      { id: 1, color: '#00FF00', labels: { name: 'urgent', color: '#FF0000' } },
      { id: 2, color: '#123456', labels: { name: 'calm', color: '#0000FF' } },
    ]);
    const many = await get('/labels', [['select', 'id,tasks(id,color)'], ['id', 'eq.1']]);
    expect(many.status, many.text).toBe(200);
    expect(many.json()).toEqual([{ id: 1, tasks: [{ id: 1, color: '#00FF00' }] }]);
  });
});

describe('functions and views', () => {
  it('renders the rows a function returns', async () => {
    const r = await get('/rpc/reddish_labels', [['select', 'id,color'], ['id', 'lt.100']]);
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([{ id: 1, color: '#FF0000' }]);
  });

  it('renders and filters a view column of the domain type', async () => {
    const r = await get('/label_colors', [['color', 'eq.#0000FF']]);
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([{ id: 2, color: '#0000FF' }]);
  });
});

describe('filters', () => {
  it('reads a filter value through the text cast', async () => {
    const r = await get('/labels', [['select', 'id,color'], ['color', 'eq.#0000FF']]);
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([{ id: 2, color: '#0000FF' }]);
  });

  it('casts every value of in.() and of a comparison', async () => {
    const inList = await get('/labels', [['select', 'id'], ['color', 'in.(#FF0000,#0000FF)'], ['order', 'id']]);
    expect(inList.status, inList.text).toBe(200);
    expect(inList.json()).toEqual([{ id: 1 }, { id: 2 }]);
    const gt = await get('/labels', [['select', 'id'], ['color', 'gt.#00FFFF']]);
    expect(gt.status, gt.text).toBe(200);
    expect(gt.json()).toEqual([{ id: 1 }]);
  });

  it('filters an embed by the representation', async () => {
    const r = await get('/tasks', [['select', 'id,labels!inner(color)'], ['labels.color', 'eq.#FF0000']]);
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([{ id: 1, labels: { color: '#FF0000' } }]);
  });
});

describe('writes', () => {
  it('POST stores the value the json cast gives and answers with the representation', async () => {
    const r = await toReply(
      await send('POST', '/labels', { body: [{ id: 100, name: 'a', color: '#00FF7F' }, { id: 101, name: 'b', color: '#000001' }], headers: { Prefer: 'return=representation' } }),
    );
    expect(r.status, r.text).toBe(201);
    expect(r.json()).toEqual([
      { id: 100, name: 'a', color: '#00FF7F' },
      { id: 101, name: 'b', color: '#000001' },
    ]);
    expect(await stored('labels', [100, 101])).toEqual([0x00ff7f, 1]);
  });

  it('POST with missing=default casts the given value and defaults an absent one', async () => {
    const r = await toReply(
      await send('POST', '/labels', {
        body: [{ id: 102, name: 'c', color: '#ABCDEF' }, { id: 103, name: 'd' }],
        params: [['columns', 'id,name,color']],
        headers: { Prefer: 'return=minimal, missing=default' },
      }),
    );
    expect(r.status, r.text).toBe(201);
    expect(r.text).toBe('');
    expect(await stored('labels', [102, 103])).toEqual([0xabcdef, 0]);
  });

  it('PATCH stores the value the json cast gives', async () => {
    await db().query(`INSERT INTO rest_repr.tasks VALUES (110, 'patch me', 1, 0)`);
    const r = await toReply(
      await send('PATCH', '/tasks', { params: [['id', 'eq.110']], body: { color: '#FFFFFF', title: 'patched' }, headers: { Prefer: 'return=representation' } }),
    );
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([{ id: 110, title: 'patched', label_id: 1, color: '#FFFFFF' }]);
    expect(await stored('tasks', [110])).toEqual([0xffffff]);
  });

  it('PATCH filtered by the representation', async () => {
    await db().query(`INSERT INTO rest_repr.tasks VALUES (111, 'x', NULL, 4095)`);
    const r = await toReply(
      await send('PATCH', '/tasks', { params: [['color', 'eq.#000FFF'], ['select', 'id,color']], body: { color: '#000EEE' }, headers: { Prefer: 'return=representation' } }),
    );
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([{ id: 111, color: '#000EEE' }]);
    expect(await stored('tasks', [111])).toEqual([0x000eee]);
  });

  it('a value the cast cannot read is a 400 from PostgreSQL, not a 500', async () => {
    const r = await toReply(await send('POST', '/labels', { body: { id: 120, name: 'bad', color: '#ZZZZZZ' } }));
    expect(r.status, r.text).toBe(400);
    expect(r.json().code).toBe('22P02');
  });
});
