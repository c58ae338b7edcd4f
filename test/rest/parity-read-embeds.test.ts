/**
 * Read-side parity with PostgREST 12–14 on the `rest_pread` fixture
 * (test/fixtures/14_rest_parity_read.sql): relationships through views, many-to-many through
 * junction views, disambiguation order, one-to-one embeds by column, full-text search on
 * domains and computed columns, computed columns over RPC rows, empty embeds, error order,
 * grouped spreads, planned/estimated counts and CORS preflights.
 */
import { describe, expect, it } from 'vitest';
import { PostgrestClient } from '@supabase/postgrest-js';
import { restUrl } from '../support/env.ts';
import { JSON_CT, profileGet, profileRows } from '../support/http.ts';

const get = profileGet(restUrl, 'rest_pread');
const rows = profileRows(restUrl, 'rest_pread');
const client = new PostgrestClient(restUrl, { schema: 'rest_pread' });

describe('relationships through views', () => {
  it('gives a view one endpoint per combination of the names it shows a key column under', async () => {
    const r = await get('v_two', [['select', 'id,v_one(name)']]);
    expect(r.status, r.text).toBe(300);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.json()).toEqual({
      code: 'PGRST201',
      details: [
        { cardinality: 'many-to-one', embedding: 'v_two with v_one', relationship: 'pr_t2_t1_id_fkey using v_two(first_ref) and v_one(id)' },
        { cardinality: 'many-to-one', embedding: 'v_two with v_one', relationship: 'pr_t2_t1_id_fkey using v_two(second_ref) and v_one(id)' },
      ],
      hint: "Try changing 'v_one' to one of the following: 'v_one!pr_t2_t1_id_fkey', 'v_one!pr_t2_t1_id_fkey'. Find the desired relationship in the 'details' key.",
      message: "Could not embed because more than one relationship was found for 'v_two' and 'v_one'",
    });
  });

  it('embeds through either view column when the hint names it', async () => {
    expect(await rows('v_two', [['select', 'id,v_one!second_ref(name)'], ['order', 'id']])).toEqual([
      { id: 10, v_one: { name: 'one' } },
      { id: 20, v_one: { name: 'two' } },
    ]);
    expect(await rows('v_one', [['select', 'name,v_two!first_ref(id)'], ['order', 'id']])).toEqual([
      { name: 'one', v_two: [{ id: 10 }] },
      { name: 'two', v_two: [{ id: 20 }] },
    ]);
  });

  it('embeds many-to-many through a junction view over tables outside the exposed schemas', async () => {
    expect(await rows('actors', [['select', 'name,films(title)'], ['order', 'id']])).toEqual([
      { name: 'john', films: [{ title: 'douze' }] },
      { name: 'mary', films: [{ title: 'odyssey' }] },
    ]);
    const { data, error } = await client.from('films').select('title, actors!inner(name)').eq('actors.name', 'mary');
    expect(error).toBeNull();
    expect(data).toEqual([{ title: 'odyssey', actors: [{ name: 'mary' }] }]);
    // the junction's name is a hint too
    expect(await rows('films', [['select', 'id,actors!roles(id)'], ['order', 'id']])).toEqual([
      { id: 12, actors: [{ id: 1 }] },
      { id: 2001, actors: [{ id: 2 }] },
    ]);
  });

  it('reads a view column from the view’s own select list, not from a subquery’s', async () => {
    expect(await rows('authors_stats', [['select', 'name,in_forties,in_all,books(title)'], ['id', 'eq.1'], ['books.order', 'id']])).toEqual([
      { name: 'George Orwell', in_forties: 2, in_all: 2, books: [{ title: '1984' }, { title: 'Animal Farm' }] },
    ]);
  });
});

describe('disambiguation and one-to-one embeds', () => {
  it('lists the candidates of PGRST201 in the order their foreign keys were created', async () => {
    const r = await get('agents', [['select', '*,departments(*)']]);
    expect(r.status, r.text).toBe(300);
    expect(r.json().details).toEqual([
      { cardinality: 'one-to-many', embedding: 'agents with departments', relationship: 'departments_head_id_fkey using agents(id) and departments(head_id)' },
      { cardinality: 'many-to-one', embedding: 'agents with departments', relationship: 'agents_department_id_fkey using agents(department_id) and departments(id)' },
    ]);
  });

  it('embeds a one-to-one relationship by the referenced column from the referenced side', async () => {
    expect(await rows('country', [['select', 'name,id(name)'], ['order', 'id']])).toEqual([
      { name: 'Afghanistan', id: { name: 'Kabul' } },
      { name: 'Algeria', id: { name: 'Algiers' } },
    ]);
  });
});

describe('full-text search', () => {
  it('searches a domain over a domain over tsvector as the tsvector itself, with a language', async () => {
    expect(await rows('posts', [['select', 'id'], ['body_tsv', 'fts(simple).fun']])).toEqual([{ id: 1 }]);
    expect(await rows('posts', [['select', 'id'], ['body_tsv', 'plfts(simple).cats rats']])).toEqual([{ id: 2 }]);
  });

  it('searches a computed tsvector column with a language', async () => {
    expect(await rows('posts', [['select', 'id'], ['words', 'fts(simple).impossible']])).toEqual([{ id: 1 }]);
    expect(await rows('posts', [['select', 'id'], ['words', 'not.wfts(simple).impossible']])).toEqual([{ id: 2 }]);
  });
});

describe('computed columns over an RPC’s rows', () => {
  it('chooses the overload of the function’s own row type', async () => {
    const r = await get('rpc/all_items', [['select', 'id,flagged'], ['order', 'id']]);
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([{ id: 1, flagged: true }, { id: 2, flagged: false }, { id: 3, flagged: true }]);
  });
});

describe('empty embeds', () => {
  it('leaves out an embed whose embeds are all empty, at any depth', async () => {
    expect(await rows('users', [['select', '*,user_tasks(tasks(projects()))'], ['order', 'id']])).toEqual([
      { id: 1, name: 'Angela' },
      { id: 2, name: 'Michael' },
    ]);
    expect(await rows('users', [['select', '*,tasks!inner(projects(),name)'], ['tasks.id', 'eq.3']])).toEqual([
      { id: 1, name: 'Angela', tasks: [{ name: 'Ship' }] },
    ]);
  });
});

describe('error order', () => {
  it('reports an unknown relationship before an unknown column, as PostgREST does', async () => {
    const r = await get('agents', [['select', 'nope,factories(id)']]);
    expect(r.status, r.text).toBe(400);
    expect(r.json().code).toBe('PGRST200');
  });

  it('reports an unknown embedded path before an unknown column', async () => {
    const r = await get('agents', [['select', 'nope'], ['departments.id', 'eq.1']]);
    expect(r.status, r.text).toBe(400);
    expect(r.json()).toEqual({
      code: 'PGRST108',
      details: null,
      hint: "Verify that 'departments' is included in the 'select' query parameter.",
      message: "'departments' is not an embedded resource in this request",
    });
  });

  it('names an embedded level <table>_<depth> in 42703, as PostgreSQL does for PostgREST', async () => {
    const r = await get('users', [['select', 'name,user_tasks(nope)']]);
    expect(r.status, r.text).toBe(400);
    expect(r.json()).toMatchObject({ code: '42703', message: 'column user_tasks_1.nope does not exist' });
    const top = await get('users', [['select', 'nope']]);
    expect(top.json()).toMatchObject({ code: '42703', message: 'column users.nope does not exist' });
  });
});

describe('aggregates through spreads', () => {
  it('groups by an embed carried up by a to-one spread', async () => {
    const data = await rows('supervisors', [['select', '...procs(factory:factories(name),...proc_costs(total:cost.sum()))']]);
    const byName = [...data].sort((a: { factory: { name: string } }, b: { factory: { name: string } }) => a.factory.name.localeCompare(b.factory.name));
    expect(byName).toEqual([
      { factory: { name: 'Factory A' }, total: 350 },
      { factory: { name: 'Factory B' }, total: 500 },
    ]);
  });
});

describe('counts', () => {
  it('count=estimated without db-max-rows is the planner’s estimate (PostgREST 12–14)', async () => {
    const planned = await get('items', [['select', 'id']], { Prefer: 'count=planned' });
    const estimated = await get('items', [['select', 'id']], { Prefer: 'count=estimated' });
    expect(estimated.status, estimated.text).toBe(planned.status);
    expect(estimated.headers.get('preference-applied')).toBe('count=estimated');
    expect(estimated.headers.get('content-range')).toBe(planned.headers.get('content-range'));
    expect(estimated.headers.get('content-range')).toMatch(/^0-2\/\d+$/);
  });
});

describe('CORS', () => {
  it('answers a preflight with the asked headers between Authorization and the safelisted ones', async () => {
    const r = await fetch(`${restUrl}/items`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://example.com', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'Foo,Bar' },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.headers.get('access-control-allow-methods')).toBe('GET, POST, PATCH, PUT, DELETE, OPTIONS, HEAD');
    expect(r.headers.get('access-control-allow-headers')).toBe('Authorization, Foo, Bar, Accept, Accept-Language, Content-Language');
    expect(r.headers.get('access-control-max-age')).toBe('86400');
  });

  it('sends Access-Control-Allow-Origin on OPTIONS without an Origin', async () => {
    const r = await fetch(`${restUrl}/items`, { method: 'OPTIONS', headers: { Accept: 'application/json', 'Accept-Profile': 'rest_pread' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('Prefer and Range on reads', () => {
  it('refuses unknown preferences under handling=strict with PGRST122, across Prefer headers', async () => {
    const r = await fetch(`${restUrl}/items`, {
      headers: [['Accept-Profile', 'rest_pread'], ['Prefer', 'handling=strict'], ['Prefer', 'something, else']],
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({
      code: 'PGRST122',
      details: 'Invalid preferences: something, else',
      hint: null,
      message: 'Invalid preferences given with handling=strict',
    });
    const lenient = await get('items', [['select', 'id']], { Prefer: 'handling=lenient, anything' });
    expect(lenient.status).toBe(200);
  });

  it('ignores the Range header on HEAD (tables and functions), as PostgREST does', async () => {
    const table = await fetch(`${restUrl}/items?select=id`, { method: 'HEAD', headers: { 'Accept-Profile': 'rest_pread', Prefer: 'count=exact', Range: '1-1' } });
    expect(table.status).toBe(200);
    expect(table.headers.get('content-range')).toBe('0-2/3');
    const fn = await fetch(`${restUrl}/rpc/all_items?limit=2&offset=1`, { method: 'HEAD', headers: { 'Accept-Profile': 'rest_pread', Prefer: 'count=exact', Range: '0-0' } });
    expect(fn.status).toBe(206);
    expect(fn.headers.get('content-range')).toBe('1-2/3');
  });
});

describe('OPTIONS', () => {
  const allow = async (path: string) => {
    const r = await fetch(`${restUrl}/${path}`, { method: 'OPTIONS', headers: { 'Accept-Profile': 'rest_pread' } });
    expect(r.status).toBe(200);
    return r.headers.get('allow');
  };

  it('offers PUT only where a primary key exists (a view infers its table’s)', async () => {
    expect(await allow('items')).toBe('OPTIONS,GET,HEAD,POST,PUT,PATCH,DELETE');
    expect(await allow('items_keyed')).toBe('OPTIONS,GET,HEAD,POST,PUT,PATCH,DELETE');
    // an expression column: rows can be deleted, not inserted or updated
    expect(await allow('items_unkeyed')).toBe('OPTIONS,GET,HEAD,DELETE');
  });

  it('offers only POST for a volatile function', async () => {
    expect(await allow('rpc/bump')).toBe('OPTIONS,POST');
    expect(await allow('rpc/all_items')).toBe('OPTIONS,GET,HEAD,POST');
  });
});
