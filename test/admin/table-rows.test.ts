/** Admin rows: insert, update one cell by primary key (any name, composite, none), delete, bulk delete. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, db } from '../support/env.ts';
import { authorizedCall } from '../support/http.ts';

const S = `adm_rows_${process.pid}`;
const call = authorizedCall(`${apiUrl}/api`, adminAuth);
const rowsOf = async (sql: string) => (await db().query(sql)).rows;

beforeAll(async () => {
  await db().query(`DROP SCHEMA IF EXISTS ${S} CASCADE; CREATE SCHEMA ${S};
    CREATE TABLE ${S}.users (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE, age int, big bigint, amount numeric, tags text[], meta jsonb, created date DEFAULT '2024-01-02');
    CREATE TABLE ${S}.codes (code text PRIMARY KEY, label text);
    INSERT INTO ${S}.codes VALUES ('a/b c', 'slash'), ('x', 'ex'), ('y', 'why'), ('z', 'zed');
    CREATE TABLE ${S}.pairs (a int, b text, v text, PRIMARY KEY (a, b));
    INSERT INTO ${S}.pairs VALUES (1, 'x', 'one-x'), (1, 'y', 'one-y'), (2, 'x', 'two-x');
    CREATE TABLE ${S}.nokey (a int, v text); INSERT INTO ${S}.nokey VALUES (1, 'v');
    CREATE TABLE ${S}.uuids (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), v text)`);
});
afterAll(async () => {
  await db().query(`DROP SCHEMA IF EXISTS ${S} CASCADE`);
});

describe('POST /api/table/:name/row', () => {
  it('inserts a row and returns it with its types (defaults, serial, bigint, numeric, arrays, jsonb)', async () => {
    const res = await call('POST', '/table/users/row', {
      data: { name: 'John Doe', email: 'john@example.com', age: 30, big: '9007199254740993', amount: '12.50', tags: ['a', 'b,c'], meta: { nested: [1, { x: 'y' }] } },
      schema: S,
    });
    expect(res.status).toBe(201);
    expect(res.json()).toEqual({
      success: true,
      row: { id: 1, name: 'John Doe', email: 'john@example.com', age: 30, big: 9007199254740992, amount: 12.5, tags: ['a', 'b,c'], meta: { nested: [1, { x: 'y' }] }, created: '2024-01-02' },
      message: 'Row inserted successfully',
    });
    // Types survive exactly: the JSON is PostgreSQL's own.
    expect(res.text).toContain('"big": 9007199254740993');
    expect(res.text).toContain('"amount": 12.50');
    expect(await rowsOf(`SELECT name, tags, meta FROM ${S}.users WHERE id = 1`)).toEqual([{ name: 'John Doe', tags: ['a', 'b,c'], meta: { nested: [1, { x: 'y' }] } }]);
  });

  it('takes values as parameters: SQL in values is just text', async () => {
    const evil = `x'); DROP TABLE ${S}.codes; --`;
    const res = await call('POST', '/table/users/row', { data: { name: evil, meta: 'a json string' }, schema: S });
    expect(res.status).toBe(201);
    expect(res.json().row).toMatchObject({ name: evil, meta: 'a json string' });
    expect(await rowsOf(`SELECT count(*)::int AS n FROM ${S}.codes`)).toEqual([{ n: 4 }]);
  });

  it('answers 400 for unknown columns, bad values, constraint violations and a missing data object', async () => {
    const cases: [unknown, string][] = [
      [{ data: { name: 'a', nope: 1 }, schema: S }, 'COLUMN_NOT_FOUND'],
      [{ data: { name: 'a', 'name"; DROP TABLE x; --': 1 }, schema: S }, 'COLUMN_NOT_FOUND'],
      [{ data: { name: 'a', age: 'old' }, schema: S }, 'INVALID_INPUT'],
      [{ data: { email: 'no-name@example.com' }, schema: S }, 'INVALID_INPUT'],
      [{ data: { name: 'dup', email: 'john@example.com' }, schema: S }, 'INVALID_INPUT'],
      [{ schema: S }, 'VALIDATION_ERROR'],
      [{ data: [1, 2], schema: S }, 'VALIDATION_ERROR'],
    ];
    for (const [body, code] of cases) {
      const res = await call('POST', '/table/users/row', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json().error, JSON.stringify(body)).toBe(code);
    }
    const dup = await call('POST', '/table/users/row', { data: { name: 'dup', email: 'john@example.com' }, schema: S });
    expect(dup.json().message).toContain('users_email_key');
    expect((await call('POST', '/table/nope/row', { data: { a: 1 }, schema: S })).status).toBe(404);
  });

  it('inserts default values for an empty data object', async () => {
    const res = await call('POST', '/table/uuids/row', { data: {}, schema: S });
    expect(res.status).toBe(201);
    expect(res.json().row.id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('PATCH /api/table/:name/:rowId', () => {
  it('updates one cell of the row with that id and returns the row', async () => {
    const res = await call('PATCH', '/table/users/1', { column: 'email', value: 'newemail@example.com', schema: S });
    expect(res.status).toBe(200);
    expect(res.json().row).toMatchObject({ id: 1, name: 'John Doe', email: 'newemail@example.com' });
    const nulled = await call('PATCH', '/table/users/1', { column: 'age', value: null, schema: S });
    expect(nulled.json().row.age).toBeNull();
    const json = await call('PATCH', '/table/users/1', { column: 'meta', value: [1, 2], schema: S });
    expect(json.json().row.meta).toEqual([1, 2]);
  });

  it('finds the row by a primary key of any name and type (text key with / and space)', async () => {
    const res = await call('PATCH', `/table/codes/${encodeURIComponent('a/b c')}`, { column: 'label', value: 'changed', schema: S });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ row: { code: 'a/b c', label: 'changed' } });
  });

  it('addresses a composite key with a JSON array of its values in key order', async () => {
    const res = await call('PATCH', `/table/pairs/${encodeURIComponent('[1,"y"]')}`, { column: 'v', value: 'changed', schema: S });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ row: { a: 1, b: 'y', v: 'changed' } });
    expect(await rowsOf(`SELECT v FROM ${S}.pairs ORDER BY a, b`)).toEqual([{ v: 'one-x' }, { v: 'changed' }, { v: 'two-x' }]);
    const plain = await call('PATCH', '/table/pairs/1', { column: 'v', value: 'nope', schema: S });
    expect(plain.status).toBe(400);
    expect(plain.json().message).toContain('composite primary key (a, b)');
  });

  it('refuses a table without a primary key clearly', async () => {
    const res = await call('PATCH', '/table/nokey/1', { column: 'v', value: 'x', schema: S });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: 'NO_PRIMARY_KEY', message: 'Table "nokey" has no primary key, so its rows cannot be addressed by id' });
  });

  it('answers 404 for no such row, 400 for a bad column, value or id', async () => {
    const missing = await call('PATCH', '/table/users/999', { column: 'name', value: 'x', schema: S });
    expect(missing.status).toBe(404);
    expect(missing.json().error).toBe('ROW_NOT_FOUND');
    expect((await call('PATCH', `/table/pairs/${encodeURIComponent('[9,"q"]')}`, { column: 'v', value: 'x', schema: S })).status).toBe(404);
    expect((await call('PATCH', '/table/users/1', { column: 'nope', value: 'x', schema: S })).status).toBe(400);
    expect((await call('PATCH', '/table/users/1', { value: 'x', schema: S })).status).toBe(400);
    expect((await call('PATCH', '/table/users/1', { column: 'name', schema: S })).status).toBe(400);
    expect((await call('PATCH', '/table/users/1', { column: 'name', value: null, schema: S })).status).toBe(400); // NOT NULL
    expect((await call('PATCH', '/table/users/abc', { column: 'name', value: 'x', schema: S })).status).toBe(400);
  });
});

describe('DELETE /api/table/:name/row/:rowId and POST /api/table/:name/rows/delete', () => {
  it('deletes one row by id, then answers 404 for it', async () => {
    const res = await call('DELETE', `/table/codes/row/x?schema=${S}`);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ success: true, message: 'Row deleted successfully' });
    expect((await call('DELETE', `/table/codes/row/x?schema=${S}`)).status).toBe(404);
    expect((await call('DELETE', `/table/pairs/row/${encodeURIComponent('[2,"x"]')}?schema=${S}`)).status).toBe(200);
    expect((await call('DELETE', `/table/nokey/row/1?schema=${S}`)).status).toBe(400);
  });

  it('bulk deletes by ids, counting only the rows that existed', async () => {
    const res = await call('POST', '/table/codes/rows/delete', { rowIds: ['y', 'z', 'missing'], schema: S });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ success: true, deletedCount: 2, message: '2 row(s) deleted successfully' });
    expect(await rowsOf(`SELECT code FROM ${S}.codes`)).toEqual([{ code: 'a/b c' }]);
    const pairs = await call('POST', '/table/pairs/rows/delete', { rowIds: [[1, 'x'], [1, 'y']], schema: S });
    expect(pairs.json().deletedCount).toBe(2);
    const added = (await db().query(`INSERT INTO ${S}.users (name) VALUES ('b1'), ('b2') RETURNING id`)).rows.map((r) => r.id);
    const ints = await call('POST', '/table/users/rows/delete', { rowIds: [1, 2, String(added[0]), added[1]], schema: S });
    expect(ints.json().deletedCount).toBe(4);
    expect(await rowsOf(`SELECT count(*)::int AS n FROM ${S}.users`)).toEqual([{ n: 0 }]);
  });

  it('refuses an empty or non-array rowIds with 400', async () => {
    for (const rowIds of [[], 'x', undefined, { a: 1 }, [{ a: 1 }]]) {
      const res = await call('POST', '/table/codes/rows/delete', { rowIds, schema: S });
      expect(res.status, JSON.stringify(rowIds)).toBe(400);
    }
    expect((await call('POST', '/table/pairs/rows/delete', { rowIds: [1], schema: S })).status).toBe(400);
  });

  it('requires admin credentials', async () => {
    expect((await call('POST', '/table/codes/row', { data: { code: 'q' }, schema: S }, null)).status).toBe(401);
    expect((await call('PATCH', '/table/codes/q', { column: 'label', value: 'x', schema: S }, null)).status).toBe(401);
    expect((await call('DELETE', `/table/codes/row/q?schema=${S}`, undefined, null)).status).toBe(401);
    expect((await call('POST', '/table/codes/rows/delete', { rowIds: ['a/b c'], schema: S }, null)).status).toBe(401);
    expect(await rowsOf(`SELECT code FROM ${S}.codes`)).toEqual([{ code: 'a/b c' }]);
  });
});
