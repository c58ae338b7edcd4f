/**
 * Writes and RPC as PostgREST answers them (its InsertSpec, UpdateSpec, DeleteSpec, UpsertSpec,
 * RpcSpec and Preferences specs, on fixtures of our own): exact status, headers and body.
 * Fixture: test/fixtures/15_rest_parity_write.sql (schema rest_wparity). Writes roll back
 * (Prefer: tx=rollback) or use rows the test owns.
 */
import { describe, expect, it } from 'vitest';
import { db, restUrl } from '../support/env.ts';
import { sender, toReply, type Param } from '../support/http.ts';

const send = sender(restUrl, 'rest_wparity');
async function req(method: string, path: string, o: { params?: Param[]; body?: unknown; raw?: string; prefer?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...o.headers };
  if (o.prefer) headers.Prefer = o.prefer;
  if (o.raw !== undefined && !headers['Content-Type']) headers['Content-Type'] = 'application/json';
  return toReply(await send(method, path, { params: o.params, body: o.body, raw: o.raw, headers }));
}
const err = (code: string, message: string, details: string | null = null, hint: string | null = null) => ({ code, details, hint, message });

describe('POST', () => {
  it('return=minimal: 201, no body, no Content-Type, no Location', async () => {
    const r = await req('POST', '/simple_pk', { body: { k: 'm1', extra: 'e' }, prefer: 'tx=rollback' });
    expect(r.status).toBe(201);
    expect(r.text).toBe('');
    expect(r.headers.get('content-type')).toBeNull();
    expect(r.headers.get('location')).toBeNull();
    expect(r.headers.get('content-range')).toBe('*/*');
  });

  it('return=headers-only: Location from the primary key, even when select leaves it out', async () => {
    const r = await req('POST', '/articles', { params: [['select', 'body']], body: { id: 150, body: 'x' }, prefer: 'return=headers-only, tx=rollback' });
    expect(r.status).toBe(201);
    expect(r.text).toBe('');
    expect(r.headers.get('location')).toBe('/articles?id=eq.150');
    expect(r.headers.get('content-range')).toBe('*/*');
    expect(r.headers.get('preference-applied')).toBe('return=headers-only, tx=rollback');
    const compound = await req('POST', '/compound_pk', { body: { k1: 12, k2: 'Rock & R+ll' }, prefer: 'return=headers-only, tx=rollback' });
    expect(compound.headers.get('location')).toBe('/compound_pk?k1=eq.12&k2=eq.Rock+%26+R%2Bll');
  });

  it('headers-only: the key of a view makes a Location; a bulk insert has none', async () => {
    const view = await req('POST', '/compound_pk_view', { body: { k1: 1, k2: 'test', extra: 2 }, prefer: 'return=headers-only, tx=rollback' });
    expect(view.status).toBe(201);
    expect(view.headers.get('location')).toBe('/compound_pk_view?k1=eq.1&k2=eq.test');
    const bulk = await req('POST', '/articles', { body: [{ id: 155 }, { id: 156 }], prefer: 'return=headers-only, tx=rollback' });
    expect(bulk.status).toBe(201);
    expect(bulk.headers.get('location')).toBeNull();
    const auto = await req('POST', '/auto_pk', { body: { label: 'x' }, prefer: 'return=headers-only, tx=rollback' });
    expect(auto.headers.get('location')).toMatch(/^\/auto_pk\?id=eq\.\d+$/);
  });

  it('return=representation: the rows with select, renames and casts, Content-Range */*', async () => {
    const r = await req('POST', '/articles', { params: [['select', 'ident:id::text,body']], body: { id: 151, body: 'b' }, prefer: 'return=representation, tx=rollback' });
    expect(r.status).toBe(201);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.headers.get('content-range')).toBe('*/*');
    expect(r.headers.get('location')).toBeNull();
    expect(r.json()).toEqual([{ ident: '151', body: 'b' }]);
  });

  it('column defaults fill keys the body leaves out; an empty object inserts a row of defaults', async () => {
    const r = await req('POST', '/articles', { body: { id: 152 }, prefer: 'return=representation, tx=rollback' });
    expect(r.json()).toEqual([{ id: 152, body: null, owner: 'nobody' }]);
    const empty = await req('POST', '/auto_pk', { params: [['select', 'label']], body: {}, prefer: 'return=representation, tx=rollback' });
    expect(empty.status).toBe(400);
    expect(empty.json().code).toBe('23502');
    const none = await req('POST', '/no_pk', { body: [{}, {}], prefer: 'return=representation, tx=rollback' });
    expect(none.status).toBe(201);
    expect(none.json()).toEqual([{ a: null, b: null }, { a: null, b: null }]);
  });

  it('an empty array inserts nothing: 201 and []', async () => {
    const r = await req('POST', '/no_pk', { body: [], prefer: 'return=representation' });
    expect(r.status).toBe(201);
    expect(r.json()).toEqual([]);
  });

  it('bulk insert with ?columns= ignores other keys', async () => {
    const r = await req('POST', '/articles', {
      params: [['columns', 'id,body'], ['select', 'id,body,owner']],
      body: [{ id: 153, body: 'x', junk: 1, owner: 'ignored' }, { id: 154, body: 'y', other: 'z' }],
      prefer: 'return=representation, tx=rollback',
    });
    expect(r.status, r.text).toBe(201);
    expect(r.json()).toEqual([{ id: 153, body: 'x', owner: 'nobody' }, { id: 154, body: 'y', owner: 'nobody' }]);
  });

  it('missing=default uses defaults for listed columns a row lacks', async () => {
    const r = await req('POST', '/complex_items', {
      params: [['columns', 'id,name,field-with_sep,arr_data']],
      body: [{ id: 104, name: 'Vier' }, { id: 105, name: 'Funf', arr_data: null }, { id: 106, name: 'Sechs', 'field-with_sep': 6, arr_data: '{1,2,3}' }],
      prefer: 'return=representation, missing=default, tx=rollback',
    });
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('preference-applied')).toBe('missing=default, return=representation, tx=rollback');
    expect(r.json()).toEqual([
      { id: 104, name: 'Vier', 'field-with_sep': 1, arr_data: null },
      { id: 105, name: 'Funf', 'field-with_sep': 1, arr_data: null },
      { id: 106, name: 'Sechs', 'field-with_sep': 6, arr_data: [1, 2, 3] },
    ]);
    // without it, a listed key a row lacks is NULL (here: a NOT NULL violation)
    const plain = await req('POST', '/complex_items', { params: [['columns', 'id,field-with_sep']], body: [{ id: 107 }], prefer: 'tx=rollback' });
    expect(plain.status).toBe(400);
    expect(plain.json().code).toBe('23502');
  });

  it('a generated column with missing=default: 428C9 when a row gives it', async () => {
    const r = await req('POST', '/generated', { params: [['columns', 'a,b']], body: [{ a: 'v' }, { a: 'v', b: 'w' }], prefer: 'return=representation, missing=default, tx=rollback' });
    expect(r.status).toBe(400);
    expect(r.json()).toEqual(err('428C9', 'cannot insert a non-DEFAULT value into column "b"', 'Column "b" is a generated column.'));
  });

  it('errors: invalid and empty JSON, mixed keys, unknown columns, blank ?columns', async () => {
    const invalid = await req('POST', '/simple_pk', { raw: '}{ x = 2' });
    expect(invalid.status).toBe(400);
    expect(invalid.json()).toEqual(err('PGRST102', 'Empty or invalid json'));
    const empty = await req('POST', '/simple_pk', { raw: '' });
    expect(empty.status).toBe(400);
    expect(empty.json()).toEqual(err('PGRST102', 'Empty or invalid json'));
    const mixed = await req('POST', '/articles', { body: [{ id: 100, body: 'x' }, { id: 111, body: 'y', owner: 'me' }] });
    expect(mixed.status).toBe(400);
    expect(mixed.json()).toEqual(err('PGRST102', 'All object keys must match'));
    const notObjects = await req('POST', '/articles', { body: [{ id: 100, body: 'x' }, 123] });
    expect(notObjects.status).toBe(400);
    expect(notObjects.json()).toEqual(err('PGRST102', 'All object keys must match'));
    const unknown = await req('POST', '/articles', { params: [['columns', 'helicopter']], body: [{ id: 1 }] });
    expect(unknown.status).toBe(400);
    expect(unknown.json()).toEqual(err('PGRST204', "Could not find the 'helicopter' column of 'articles' in the schema cache"));
    const unknownKey = await req('POST', '/articles', { body: { id: 160, colour: 'red' } });
    expect(unknownKey.status).toBe(400);
    expect(unknownKey.json()).toEqual(err('PGRST204', "Could not find the 'colour' column of 'articles' in the schema cache"));
    const noTable = await req('POST', '/garlic', { params: [['columns', 'helicopter']], body: [{ id: 1 }] });
    expect(noTable.status).toBe(404);
    expect(noTable.json().code).toBe('PGRST205');
  });

  it('errors from PostgreSQL: 23505 and 23503 are 409, 22P02 and 23502 are 400', async () => {
    const dup = await req('POST', '/simple_pk', { body: { k: 'taken', extra: 'e1' } });
    expect(dup.status).toBe(409);
    expect(dup.json()).toEqual(err('23505', 'duplicate key value violates unique constraint "simple_pk_pkey"', 'Key (k)=(taken) already exists.'));
    const unique = await req('POST', '/with_unique', { body: { uni: 'dup', extra: 'e2' } });
    expect(unique.status).toBe(409);
    const fk = await req('POST', '/pets', { body: { id: 100, owner_id: 999, name: 'x' } });
    expect(fk.status).toBe(409);
    expect(fk.json()).toEqual(err('23503', 'insert or update on table "pets" violates foreign key constraint "pets_owner_id_fkey"', 'Key (owner_id)=(999) is not present in table "people".'));
    const bad = await req('POST', '/people', { body: { id: 'abc', name: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual(err('22P02', 'invalid input syntax for type integer: "abc"'));
    const nul = await req('POST', '/simple_pk', { body: { extra: 'foo' } });
    expect(nul.status).toBe(400);
    expect(nul.json()).toEqual(err('23502', 'null value in column "k" of relation "simple_pk" violates not-null constraint', 'Failing row contains (null, foo).'));
  });

  it('CSV bodies insert, and answer CSV representations', async () => {
    const r = await req('POST', '/no_pk', { raw: 'a,b\nbar,baz\nNULL,qux', headers: { 'Content-Type': 'text/csv', Accept: 'text/csv' }, prefer: 'return=representation, tx=rollback' });
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.text).toBe('a,b\nbar,baz\n,qux');
    const short = await req('POST', '/no_pk', { raw: 'a,b\nfoo,bar\nbaz', headers: { 'Content-Type': 'text/csv' } });
    expect(short.status).toBe(400);
    expect(short.json()).toEqual(err('PGRST102', 'All lines must have same number of fields'));
  });
});

describe('POST details', () => {
  it('a blank ?columns is a parse error', async () => {
    const r = await req('POST', '/articles', { params: [['columns', '']], body: [{ id: 204 }] });
    expect(r.status).toBe(400);
    expect(r.json()).toEqual(err('PGRST100', '"failed to parse columns parameter ()" (line 1, column 1)', 'unexpected end of input expecting field name (* or [a..z0..9_$])'));
  });

  it('embeds the parent of the inserted row', async () => {
    const r = await req('POST', '/pets', { params: [['select', 'name,people(name)']], body: { id: 101, owner_id: 2, name: 'Zed' }, prefer: 'return=representation, tx=rollback' });
    expect(r.status).toBe(201);
    expect(r.json()).toEqual([{ name: 'Zed', people: { name: 'Bob' } }]);
  });

  it('DELETE with count=exact and a representation: Content-Range */1', async () => {
    const r = await req('DELETE', '/pets', { params: [['id', 'eq.3']], prefer: 'return=representation, count=exact, tx=rollback' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-range')).toBe('*/1');
    expect(r.headers.get('preference-applied')).toBe('return=representation, count=exact, tx=rollback');
  });

  it('PUT without the key in the body: PGRST115', async () => {
    const r = await req('PUT', '/langs', { params: [['name', 'eq.C']], body: { rank: 4 } });
    expect(r.status).toBe(400);
    expect(r.json()).toEqual(err('PGRST115', 'Payload values do not match URL in primary key column(s)'));
  });
});

describe('upsert', () => {
  it('merge-duplicates: 201 when a row is new, 200 when every row existed', async () => {
    const r = await req('POST', '/langs', { body: [{ name: 'Javascript', rank: 6 }, { name: 'Java', rank: 3 }], prefer: 'return=representation, resolution=merge-duplicates, tx=rollback' });
    expect(r.status).toBe(201);
    expect(r.headers.get('preference-applied')).toBe('resolution=merge-duplicates, return=representation, tx=rollback');
    expect(r.json()).toEqual([{ name: 'Javascript', rank: 6 }, { name: 'Java', rank: 3 }]);
    const same = await req('POST', '/langs', { body: [{ name: 'Java', rank: 5 }], prefer: 'return=representation, resolution=merge-duplicates, tx=rollback' });
    expect(same.status).toBe(200);
    expect(same.json()).toEqual([{ name: 'Java', rank: 5 }]);
    const empty = await req('POST', '/langs', { body: [], prefer: 'return=representation, resolution=merge-duplicates' });
    expect(empty.status).toBe(200);
    expect(empty.json()).toEqual([]);
  });

  it('ignore-duplicates: 201 with only the new rows', async () => {
    const r = await req('POST', '/langs', { body: [{ name: 'Java', rank: 9 }, { name: 'Go', rank: 8 }], prefer: 'return=representation, resolution=ignore-duplicates, tx=rollback' });
    expect(r.status).toBe(201);
    expect(r.json()).toEqual([{ name: 'Go', rank: 8 }]);
    const none = await req('POST', '/langs', { body: [{ name: 'Java', rank: 1 }], prefer: 'return=representation, resolution=ignore-duplicates' });
    expect(none.status).toBe(201);
    expect(none.json()).toEqual([]);
  });

  it('on_conflict names a unique key', async () => {
    const r = await req('POST', '/with_unique', { params: [['on_conflict', 'uni']], body: [{ uni: 'dup', extra: 'new' }], prefer: 'return=representation, resolution=merge-duplicates, tx=rollback' });
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([{ uni: 'dup', extra: 'new' }]);
  });

  it('a table without a primary key ignores the resolution preference', async () => {
    const r = await req('POST', '/no_pk', { body: [{ a: '1', b: '0' }], prefer: 'return=representation, resolution=merge-duplicates, tx=rollback' });
    expect(r.status).toBe(201);
    expect(r.headers.get('preference-applied')).toBe('return=representation, tx=rollback');
  });

  it('PUT: 204, 200/201 with a representation, and its restrictions', async () => {
    const put = await req('PUT', '/langs', { params: [['name', 'eq.Rust']], body: { name: 'Rust', rank: 7 }, prefer: 'return=representation, tx=rollback' });
    expect(put.status).toBe(201);
    expect(put.json()).toEqual([{ name: 'Rust', rank: 7 }]);
    const existing = await req('PUT', '/langs', { params: [['name', 'eq.C']], body: { name: 'C', rank: 4 }, prefer: 'tx=rollback' });
    expect(existing.status).toBe(204);
    const limited = await req('PUT', '/langs', { params: [['name', 'eq.C'], ['limit', '1']], body: { name: 'C', rank: 4 } });
    expect(limited.status).toBe(400);
    expect(limited.json()).toEqual(err('PGRST114', 'limit/offset querystring parameters are not allowed for PUT'));
    const filters = await req('PUT', '/langs', { params: [['rank', 'eq.1']], body: { name: 'C', rank: 4 } });
    expect(filters.status).toBe(405);
    expect(filters.json()).toEqual(err('PGRST105', "Filters must include all and only primary key columns with 'eq' operators"));
    const mismatch = await req('PUT', '/langs', { params: [['name', 'eq.C']], body: { name: 'D', rank: 4 } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.json()).toEqual(err('PGRST115', 'Payload values do not match URL in primary key column(s)'));
  });
});

describe('PATCH', () => {
  it('204 with Content-Range of the rows changed; 200 and the rows with return=representation', async () => {
    const r = await req('PATCH', '/no_pk', { params: [['b', 'eq.0']], body: { b: '1' }, prefer: 'tx=rollback' });
    expect(r.status).toBe(204);
    expect(r.headers.get('content-range')).toBe('0-1/*');
    expect(r.headers.get('content-type')).toBeNull();
    const rep = await req('PATCH', '/articles', { params: [['id', 'eq.1'], ['columns', 'body']], body: { body: 'changed', junk: 1 }, prefer: 'return=representation, tx=rollback' });
    expect(rep.status).toBe(200);
    expect(rep.headers.get('content-range')).toBe('0-0/*');
    expect(rep.json()).toEqual([{ id: 1, body: 'changed', owner: 'ann' }]);
    const none = await req('PATCH', '/articles', { params: [['id', 'eq.999']], body: { body: 'x' }, prefer: 'return=representation' });
    expect(none.status).toBe(200);
    expect(none.text).toBe('[]');
    expect(none.headers.get('content-range')).toBe('*/*');
  });

  it('an empty body changes nothing: 204 (or 200 and [] with a representation)', async () => {
    for (const raw of ['{}', '[]', '[{}]']) {
      const r = await req('PATCH', '/articles', { raw });
      expect(r.status, raw).toBe(204);
      expect(r.headers.get('content-range'), raw).toBe('*/*');
    }
    const rep = await req('PATCH', '/articles', { params: [['select', 'id']], raw: '{}', prefer: 'return=representation' });
    expect(rep.status).toBe(200);
    expect(rep.text).toBe('[]');
    const { rows } = await db().query(`SELECT body FROM rest_wparity.articles WHERE id = 1`);
    expect(rows[0].body).toBe('first');
  });

  it('order sorts the representation; limit changes no fewer rows (PostgREST 13 dropped limited updates)', async () => {
    const r = await req('PATCH', '/people', { params: [['order', 'name.desc'], ['limit', '2'], ['select', 'id,age']], body: { age: 0 }, prefer: 'return=representation, tx=rollback' });
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([{ id: 3, age: 0 }, { id: 2, age: 0 }, { id: 1, age: 0 }]);
  });

  it('missing=default puts listed columns the body lacks back to their default', async () => {
    await db().query(`INSERT INTO rest_wparity.complex_items VALUES (103, 'Drei', 3, '{1}') ON CONFLICT (id) DO NOTHING`);
    const r = await req('PATCH', '/complex_items', { params: [['id', 'eq.103'], ['columns', 'name,field-with_sep']], body: { name: 'Tres' }, prefer: 'return=representation, missing=default, tx=rollback' });
    expect(r.status).toBe(200);
    expect(r.headers.get('preference-applied')).toBe('missing=default, return=representation, tx=rollback');
    expect(r.json()).toEqual([{ id: 103, name: 'Tres', 'field-with_sep': 1, arr_data: [1] }]);
  });

  it('errors: invalid JSON, an unknown column, an array of two objects', async () => {
    const invalid = await req('PATCH', '/articles', { raw: '}{ x = 2' });
    expect(invalid.status).toBe(400);
    expect(invalid.json()).toEqual(err('PGRST102', 'Empty or invalid json'));
    const unknown = await req('PATCH', '/articles', { params: [['id', 'eq.1']], body: { helicopter: 1 } });
    expect(unknown.status).toBe(400);
    expect(unknown.json()).toEqual(err('PGRST204', "Could not find the 'helicopter' column of 'articles' in the schema cache"));
    const table = await req('PATCH', '/fake', { body: { real: false } });
    expect(table.status).toBe(404);
    expect(table.json().code).toBe('PGRST205');
  });
});

describe('DELETE', () => {
  it('204 with Content-Range */*; 200 and the rows with return=representation, in order', async () => {
    const r = await req('DELETE', '/pets', { params: [['id', 'eq.3']], prefer: 'tx=rollback' });
    expect(r.status).toBe(204);
    expect(r.headers.get('content-range')).toBe('*/*');
    const rep = await req('DELETE', '/pets', { params: [['owner_id', 'eq.1'], ['order', 'id.desc'], ['select', 'name,people(name)']], prefer: 'return=representation, tx=rollback' });
    expect(rep.status).toBe(200);
    expect(rep.json()).toEqual([{ name: 'Tom', people: { name: 'Ann' } }, { name: 'Rex', people: { name: 'Ann' } }]);
    const counted = await req('DELETE', '/pets', { params: [['owner_id', 'eq.1']], prefer: 'count=exact, tx=rollback' });
    expect(counted.headers.get('content-range')).toBe('*/2');
  });

  it('a referenced row: 409 23503', async () => {
    const r = await req('DELETE', '/people', { params: [['id', 'eq.1']] });
    expect(r.status).toBe(409);
    expect(r.json()).toEqual(err('23503', 'update or delete on table "people" violates foreign key constraint "pets_owner_id_fkey" on table "pets"', 'Key (id)=(1) is still referenced from table "pets".'));
  });
});

describe('preferences', () => {
  it('handling=strict refuses unknown preferences with PGRST122; lenient ignores them', async () => {
    const strict = await req('POST', '/no_pk', { body: { a: 'x' }, prefer: 'handling=strict, anything=else, tx=rollback' });
    expect(strict.status).toBe(400);
    expect(strict.json()).toEqual(err('PGRST122', 'Invalid preferences given with handling=strict', 'Invalid preferences: anything=else'));
    const lenient = await req('POST', '/no_pk', { body: { a: 'x' }, prefer: 'handling=lenient, anything=else, tx=rollback' });
    expect(lenient.status).toBe(201);
    expect(lenient.headers.get('preference-applied')).toBe('tx=rollback, handling=lenient');
  });

  it('max-affected with handling=strict: PGRST124 rolls back; within the limit it applies', async () => {
    const over = await req('PATCH', '/no_pk', { params: [['b', 'eq.0']], body: { b: '9' }, prefer: 'handling=strict, max-affected=1' });
    expect(over.status).toBe(400);
    expect(over.json()).toEqual(err('PGRST124', 'Query result exceeds max-affected preference constraint', 'The query affects 2 rows'));
    const { rows } = await db().query(`SELECT count(*)::int AS n FROM rest_wparity.no_pk WHERE b = '9'`);
    expect(rows[0].n).toBe(0);
    const within = await req('DELETE', '/pets', { params: [['id', 'eq.3']], prefer: 'handling=strict, max-affected=1, tx=rollback' });
    expect(within.status).toBe(204);
    expect(within.headers.get('preference-applied')).toBe('tx=rollback, handling=strict, max-affected=1');
  });

  it('singular object on a write: 406 PGRST116 rolls the write back', async () => {
    const r = await req('PATCH', '/no_pk', { params: [['b', 'eq.0']], body: { b: '8' }, prefer: 'return=representation', headers: { Accept: 'application/vnd.pgrst.object+json' } });
    expect(r.status).toBe(406);
    expect(r.json()).toEqual(err('PGRST116', 'Cannot coerce the result to a single JSON object', 'The result contains 2 rows'));
    const { rows } = await db().query(`SELECT count(*)::int AS n FROM rest_wparity.no_pk WHERE b = '8'`);
    expect(rows[0].n).toBe(0);
    const one = await req('POST', '/articles', { body: { id: 170, body: 'x' }, prefer: 'return=representation, tx=rollback', headers: { Accept: 'application/vnd.pgrst.object+json' } });
    expect(one.status).toBe(201);
    expect(one.headers.get('content-type')).toBe('application/vnd.pgrst.object+json; charset=utf-8');
    expect(one.json()).toEqual({ id: 170, body: 'x', owner: 'nobody' });
  });
});

describe('RPC', () => {
  it('GET with query arguments, defaults applied', async () => {
    const r = await req('GET', '/rpc/add', { params: [['a', '1'], ['b', '2']] });
    expect(r.status).toBe(200);
    expect(r.text).toBe('3');
    expect((await req('GET', '/rpc/add', { params: [['a', '1']] })).text).toBe('11');
    const post = await req('POST', '/rpc/add', { body: { a: 5 } });
    expect(post.text).toBe('15');
  });

  it('variadic arguments: repeated query keys, or an array', async () => {
    const r = await req('GET', '/rpc/sum_all', { params: [['nums', '1'], ['nums', '2'], ['nums', '3']] });
    expect(r.status, r.text).toBe(200);
    expect(r.text).toBe('6');
    const post = await req('POST', '/rpc/sum_all', { body: { nums: [4, 5] } });
    expect(post.text).toBe('9');
  });

  it('Prefer: params=single-object passes the whole body as the one json argument', async () => {
    const r = await req('POST', '/rpc/echo_obj', { body: { x: 1, y: [2] }, prefer: 'params=single-object' });
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual({ x: 1, y: [2] });
  });

  it('set-returning functions take filters, select, order and limits', async () => {
    const r = await req('GET', '/rpc/people_older', { params: [['min_age', '20'], ['age', 'lt.50'], ['select', 'name'], ['order', 'age.desc']] });
    expect(r.status).toBe(200);
    expect(r.json()).toEqual([{ name: 'Bob' }, { name: 'Ann' }]);
    const ranged = await req('GET', '/rpc/numbers_upto', { params: [['n', '5'], ['limit', '2'], ['offset', '1']] });
    expect(ranged.json()).toEqual([2, 3]);
    expect(ranged.headers.get('content-range')).toBe('1-2/*');
    const counted = await req('GET', '/rpc/numbers_upto', { params: [['n', '5'], ['limit', '2']], prefer: 'count=exact' });
    expect(counted.headers.get('content-range')).toBe('0-1/5');
    expect(counted.status).toBe(206);
    const all = await req('GET', '/rpc/numbers_upto', { params: [['n', '3']] });
    expect(all.headers.get('content-range')).toBe('0-2/*');
  });

  it('a volatile function on GET fails read-only (25006); POST runs it', async () => {
    const get = await req('GET', '/rpc/bump_age', { params: [['person', '1']] });
    expect(get.status).toBe(405);
    expect(get.json().code).toBe('25006');
    const post = await req('POST', '/rpc/bump_age', { body: { person: 1 }, prefer: 'tx=rollback' });
    expect(post.status).toBe(200);
    expect(post.json()).toEqual([{ id: 1, name: 'Ann', age: 31 }]);
  });

  it('void: 204 without a body', async () => {
    const r = await req('POST', '/rpc/nothing', { body: {} });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
  });

  it('an unknown argument: 404 PGRST202 naming the parameters', async () => {
    const r = await req('GET', '/rpc/add', { params: [['a', '1'], ['bb', '2']] });
    expect(r.status).toBe(404);
    expect(r.json()).toEqual(err(
      'PGRST202',
      'Could not find the function rest_wparity.add(a, bb) in the schema cache',
      'Searched for the function rest_wparity.add with parameters a, bb, but no matches were found in the schema cache.',
      'Perhaps you meant to call the function rest_wparity.add(a, b)',
    ));
  });
});

describe('RPC arguments and errors', () => {
  it('variadic: n=0 through the default, repeated GET keys, repeated form fields', async () => {
    expect((await req('GET', '/rpc/words')).json()).toEqual([]);
    expect((await req('GET', '/rpc/words', { params: [['v', 'hi']] })).json()).toEqual(['hi']);
    expect((await req('GET', '/rpc/words', { params: [['v', 'hi'], ['v', 'there']] })).json()).toEqual(['hi', 'there']);
    const form = (raw: string) => req('POST', '/rpc/words', { raw, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect((await form('')).json()).toEqual([]);
    expect((await form('v=hi')).json()).toEqual(['hi']);
    expect((await form('v=hi&v=there')).json()).toEqual(['hi', 'there']);
  });

  it('a repeated non-variadic argument takes its last value; POST takes the first object of an array and only ?columns keys', async () => {
    expect((await req('GET', '/rpc/greet', { params: [['name', 'ignored'], ['name', 'world']] })).json()).toBe('Hello, world');
    expect((await req('POST', '/rpc/add', { body: [{ a: 1, b: 2 }, { a: 4, b: 6 }] })).text).toBe('3');
    const cols = await req('POST', '/rpc/greet', { params: [['columns', 'name']], body: { name: 'John', smth: 'here' } });
    expect(cols.json()).toBe('Hello, John');
    const getStyle = await req('POST', '/rpc/greet', { params: [['name', 'John']], body: { name: 'John' } });
    expect(getStyle.status).toBe(400);
  });

  it('no parameters: an empty POST body and a bare GET both call it', async () => {
    expect((await req('POST', '/rpc/noparams', { raw: '' })).json()).toBe('no parameters');
    expect((await req('GET', '/rpc/noparams')).json()).toBe('no parameters');
  });

  it('RAISE: PTxxx sets the status, a bad PT code is 500, plain exceptions 400, assert 500', async () => {
    const pay = await req('GET', '/rpc/pay');
    expect(pay.status).toBe(402);
    expect(pay.json()).toEqual({ code: 'PT402', message: 'Payment Required', details: 'Quota exceeded', hint: 'Upgrade your plan' });
    const bad = await req('GET', '/rpc/bad_pt');
    expect(bad.status).toBe(500);
    expect(bad.json()).toEqual(err('PT40A', 'Wrong'));
    const problem = await req('POST', '/rpc/problem', { body: {} });
    expect(problem.status).toBe(400);
    expect(problem.json()).toEqual(err('P0001', 'bad thing'));
    const assertion = await req('POST', '/rpc/assert_false', { body: {} });
    expect(assertion.status).toBe(500);
    expect(assertion.json().code).toBe('P0004');
  });

  it('methods and media types RPC refuses', async () => {
    const del = await req('DELETE', '/rpc/greet');
    expect(del.status).toBe(405);
    expect(del.json()).toEqual(err('PGRST101', 'Cannot use the DELETE method on RPC'));
    expect((await req('PATCH', '/rpc/greet', { body: {} })).status).toBe(405);
    const audio = await req('POST', '/rpc/greet', { body: { name: 'x' }, headers: { Accept: 'audio/mpeg3' } });
    expect(audio.status).toBe(406);
    expect(audio.json()).toEqual(err('PGRST107', 'None of these media types are available: audio/mpeg3'));
    const malformed = await req('POST', '/rpc/greet', { raw: 'sdfsdf' });
    expect(malformed.status).toBe(400);
    expect(malformed.json().code).toBe('PGRST102');
  });

  it('Range applies to GET only; POST ignores it', async () => {
    const post = await req('POST', '/rpc/people_older', { body: { min_age: 0 }, headers: { Range: '1-1' }, prefer: 'count=exact' });
    expect(post.status).toBe(200);
    expect(post.headers.get('content-range')).toBe('0-2/3');
    const get = await req('GET', '/rpc/people_older', { params: [['min_age', '0']], headers: { Range: '1-1' }, prefer: 'count=exact' });
    expect(get.status).toBe(206);
    expect(get.headers.get('content-range')).toBe('1-1/3');
    expect(get.json()).toEqual([{ id: 2, name: 'Bob', age: 40 }]);
  });

  it('handling=strict applies to reads too', async () => {
    const r = await req('GET', '/people', { prefer: 'handling=strict, anything' });
    expect(r.status).toBe(400);
    expect(r.json()).toEqual(err('PGRST122', 'Invalid preferences given with handling=strict', 'Invalid preferences: anything'));
  });
});

describe('Content-Profile on writes', () => {
  it('echoes the profile, and refuses one that is not exposed', async () => {
    const r = await req('POST', '/no_pk', { body: { a: 'p' }, prefer: 'tx=rollback' });
    expect(r.headers.get('content-profile')).toBe('rest_wparity');
    const bad = toReply(await send('POST', '/no_pk', { body: { a: 'p' }, profile: 'nope' }));
    const reply = await bad;
    expect(reply.status).toBe(406);
    expect(reply.json().code).toBe('PGRST106');
  });
});
