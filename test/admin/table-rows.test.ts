/** Admin rows: insert, update one cell by primary key (any name, composite, none), delete, bulk delete. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, db } from '../support/env.ts';
import { authorizedCall, JSON_CT, type Reply } from '../support/http.ts';

const S = `adm_rows_${process.pid}`;
const call = authorizedCall(`${apiUrl}/api`, adminAuth);
const VALIDATION = 'Check the request body against the API documentation';
const BAD_VALUES = 'Fix the values according to the PostgreSQL error message';
const NO_COLUMN = 'Check the column names; GET /api/schema lists the columns of each table';
const NO_ROW = 'Check the row id: it is the value of the primary key (a JSON array for a composite key)';
const NO_KEY = 'Add a primary key to the table, or change rows with POST /api/query';
const PAIRS_KEY = 'Table "pairs" has a composite primary key (a, b): give a row id as a JSON array of 2 values in that order, e.g. [1,2]';
/** The /api error envelope, exactly. */
const expectApiError = (res: Reply, statusCode: number, error: string, message: unknown, nextActions: string, extra: Record<string, unknown> = {}) => {
  expect(res.status, res.text).toBe(statusCode);
  expect(res.headers.get('content-type')).toBe(JSON_CT);
  expect(res.json()).toEqual({ error, message, statusCode, nextActions, ...extra });
};
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
    expect(res.text).toMatch(/"big": ?9007199254740993[,}]/);
    expect(res.text).toMatch(/"amount": ?12\.50[,}]/);
    expect(await rowsOf(`SELECT id, name, email, age, big::text, amount::text, tags, meta, created::text FROM ${S}.users`)).toEqual([
      { id: 1, name: 'John Doe', email: 'john@example.com', age: 30, big: '9007199254740993', amount: '12.50', tags: ['a', 'b,c'], meta: { nested: [1, { x: 'y' }] }, created: '2024-01-02' },
    ]);
  });

  it('takes values as parameters: SQL in values is just text', async () => {
    const evil = `x'); DROP TABLE ${S}.codes; --`;
    const res = await call('POST', '/table/users/row', { data: { name: evil, meta: 'a json string' }, schema: S });
    expect(res.status).toBe(201);
    expect(res.json()).toEqual({
      success: true,
      row: { id: 2, name: evil, email: null, age: null, big: null, amount: null, tags: null, meta: 'a json string', created: '2024-01-02' },
      message: 'Row inserted successfully',
    });
    expect(await rowsOf(`SELECT name, meta, jsonb_typeof(meta) AS kind FROM ${S}.users WHERE id = 2`)).toEqual([{ name: evil, meta: 'a json string', kind: 'string' }]);
    expect(await rowsOf(`SELECT count(*)::int AS n FROM ${S}.codes`)).toEqual([{ n: 4 }]);
  });

  it('answers 400 for unknown columns, bad values, constraint violations and a missing data object', async () => {
    const cases: [unknown, string, unknown, string, Record<string, unknown>?][] = [
      [{ data: { name: 'a', nope: 1 }, schema: S }, 'COLUMN_NOT_FOUND', 'Column "nope" does not exist in table "users"', NO_COLUMN],
      [{ data: { name: 'a', 'name"; DROP TABLE x; --': 1 }, schema: S }, 'COLUMN_NOT_FOUND', 'Column "name"; DROP TABLE x; --" does not exist in table "users"', NO_COLUMN],
      [{ data: { name: 'a', age: 'old' }, schema: S }, 'INVALID_INPUT', 'Cannot insert the row: invalid input syntax for type integer: "old"', BAD_VALUES, { code: '22P02' }],
      [
        { data: { email: 'no-name@example.com' }, schema: S },
        'INVALID_INPUT',
        expect.stringMatching(/^Cannot insert the row: null value in column "name" of relation "users" violates not-null constraint \(Failing row contains \(\d+, null, no-name@example\.com, null, null, null, null, null, 2024-01-02\)\.\)$/),
        BAD_VALUES,
        { code: '23502' },
      ],
      [
        { data: { name: 'dup', email: 'john@example.com' }, schema: S },
        'INVALID_INPUT',
        'Cannot insert the row: duplicate key value violates unique constraint "users_email_key" (Key (email)=(john@example.com) already exists.)',
        BAD_VALUES,
        { code: '23505' },
      ],
      [{ schema: S }, 'VALIDATION_ERROR', 'data must be an object of column: value pairs', VALIDATION],
      [{ data: [1, 2], schema: S }, 'VALIDATION_ERROR', 'data must be an object of column: value pairs', VALIDATION],
    ];
    for (const [body, error, message, nextActions, extra] of cases) {
      expectApiError(await call('POST', '/table/users/row', body), 400, error, message, nextActions, extra);
    }
    // Nothing was written by the refused requests.
    expect(await rowsOf(`SELECT id FROM ${S}.users ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }]);
    expectApiError(
      await call('POST', '/table/nope/row', { data: { a: 1 }, schema: S }),
      404,
      'TABLE_NOT_FOUND',
      `Table "nope" does not exist in schema "${S}"`,
      'Check table name and try again',
    );
  });

  it('inserts default values for an empty data object', async () => {
    const res = await call('POST', '/table/uuids/row', { data: {}, schema: S });
    expect(res.status).toBe(201);
    expect(res.json()).toEqual({ success: true, row: { id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/), v: null }, message: 'Row inserted successfully' });
    expect(await rowsOf(`SELECT id::text FROM ${S}.uuids`)).toEqual([{ id: res.json().row.id }]);
  });
});

describe('PATCH /api/table/:name/:rowId', () => {
  it('updates one cell of the row with that id and returns the row', async () => {
    const row = { id: 1, name: 'John Doe', email: 'newemail@example.com', age: 30, big: 9007199254740992, amount: 12.5, tags: ['a', 'b,c'], meta: { nested: [1, { x: 'y' }] }, created: '2024-01-02' };
    const res = await call('PATCH', '/table/users/1', { column: 'email', value: 'newemail@example.com', schema: S });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(JSON_CT);
    expect(res.json()).toEqual({ row });
    expect(await rowsOf(`SELECT email FROM ${S}.users WHERE id = 1`)).toEqual([{ email: 'newemail@example.com' }]);
    const nulled = await call('PATCH', '/table/users/1', { column: 'age', value: null, schema: S });
    expect(nulled.status).toBe(200);
    expect(nulled.json()).toEqual({ row: { ...row, age: null } });
    expect(await rowsOf(`SELECT age FROM ${S}.users WHERE id = 1`)).toEqual([{ age: null }]);
    const json = await call('PATCH', '/table/users/1', { column: 'meta', value: [1, 2], schema: S });
    expect(json.status).toBe(200);
    expect(json.json()).toEqual({ row: { ...row, age: null, meta: [1, 2] } });
    const array = await call('PATCH', '/table/users/1', { column: 'tags', value: ['x', 'y"z'], schema: S });
    expect(array.json()).toEqual({ row: { ...row, age: null, meta: [1, 2], tags: ['x', 'y"z'] } });
    expect(await rowsOf(`SELECT meta, tags FROM ${S}.users WHERE id = 1`)).toEqual([{ meta: [1, 2], tags: ['x', 'y"z'] }]);
  });

  it('finds the row by a primary key of any name and type (text key with / and space)', async () => {
    const res = await call('PATCH', `/table/codes/${encodeURIComponent('a/b c')}`, { column: 'label', value: 'changed', schema: S });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ row: { code: 'a/b c', label: 'changed' } });
    expect(await rowsOf(`SELECT code, label FROM ${S}.codes ORDER BY code`)).toEqual([
      { code: 'a/b c', label: 'changed' },
      { code: 'x', label: 'ex' },
      { code: 'y', label: 'why' },
      { code: 'z', label: 'zed' },
    ]);
  });

  it('addresses a composite key with a JSON array of its values in key order', async () => {
    const res = await call('PATCH', `/table/pairs/${encodeURIComponent('[1,"y"]')}`, { column: 'v', value: 'changed', schema: S });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ row: { a: 1, b: 'y', v: 'changed' } });
    expect(await rowsOf(`SELECT v FROM ${S}.pairs ORDER BY a, b`)).toEqual([{ v: 'one-x' }, { v: 'changed' }, { v: 'two-x' }]);
    expectApiError(await call('PATCH', '/table/pairs/1', { column: 'v', value: 'nope', schema: S }), 400, 'VALIDATION_ERROR', PAIRS_KEY, VALIDATION);
  });

  it('refuses a table without a primary key clearly', async () => {
    const res = await call('PATCH', '/table/nokey/1', { column: 'v', value: 'x', schema: S });
    expectApiError(res, 400, 'NO_PRIMARY_KEY', 'Table "nokey" has no primary key, so its rows cannot be addressed by id', NO_KEY);
    expect(await rowsOf(`SELECT a, v FROM ${S}.nokey`)).toEqual([{ a: 1, v: 'v' }]);
  });

  it('answers 404 for no such row, 400 for a bad column, value or id', async () => {
    expectApiError(await call('PATCH', '/table/users/999', { column: 'name', value: 'x', schema: S }), 404, 'ROW_NOT_FOUND', 'No row with id 999 in table "users"', NO_ROW);
    expectApiError(
      await call('PATCH', `/table/pairs/${encodeURIComponent('[9,"q"]')}`, { column: 'v', value: 'x', schema: S }),
      404,
      'ROW_NOT_FOUND',
      'No row with id [9,"q"] in table "pairs"',
      NO_ROW,
    );
    expectApiError(await call('PATCH', '/table/users/1', { column: 'nope', value: 'x', schema: S }), 400, 'COLUMN_NOT_FOUND', 'Column "nope" does not exist in table "users"', NO_COLUMN);
    expectApiError(await call('PATCH', '/table/users/1', { value: 'x', schema: S }), 400, 'VALIDATION_ERROR', 'column is required', VALIDATION);
    expectApiError(await call('PATCH', '/table/users/1', { column: 'name', schema: S }), 400, 'VALIDATION_ERROR', 'value is required (null sets the cell to NULL)', VALIDATION);
    const notNull = await call('PATCH', '/table/users/1', { column: 'name', value: null, schema: S });
    expect(notNull.status).toBe(400);
    expect(notNull.json()).toMatchObject({ error: 'INVALID_INPUT', code: '23502', statusCode: 400, nextActions: BAD_VALUES });
    expect(notNull.json().message).toMatch(/^Cannot update the row: null value in column "name" of relation "users" violates not-null constraint \(Failing row contains \(1, null, /);
    // A row id that is not of the key's type is reported as PostgreSQL's input error.
    expectApiError(
      await call('PATCH', '/table/users/abc', { column: 'name', value: 'x', schema: S }),
      400,
      'INVALID_INPUT',
      'Cannot update the row: invalid input syntax for type integer: "abc"',
      BAD_VALUES,
      { code: '22P02' },
    );
    expect(await rowsOf(`SELECT name FROM ${S}.users WHERE id = 1`)).toEqual([{ name: 'John Doe' }]);
    expect(await rowsOf(`SELECT v FROM ${S}.pairs ORDER BY a, b`)).toEqual([{ v: 'one-x' }, { v: 'changed' }, { v: 'two-x' }]);
  });
});

describe('DELETE /api/table/:name/row/:rowId and POST /api/table/:name/rows/delete', () => {
  it('deletes one row by id, then answers 404 for it', async () => {
    const res = await call('DELETE', `/table/codes/row/x?schema=${S}`);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ success: true, message: 'Row deleted successfully' });
    expectApiError(await call('DELETE', `/table/codes/row/x?schema=${S}`), 404, 'ROW_NOT_FOUND', 'No row with id x in table "codes"', NO_ROW);
    const pair = await call('DELETE', `/table/pairs/row/${encodeURIComponent('[2,"x"]')}?schema=${S}`);
    expect(pair.status).toBe(200);
    expect(pair.json()).toEqual({ success: true, message: 'Row deleted successfully' });
    expect(await rowsOf(`SELECT a, b FROM ${S}.pairs ORDER BY a, b`)).toEqual([{ a: 1, b: 'x' }, { a: 1, b: 'y' }]);
    expectApiError(await call('DELETE', `/table/nokey/row/1?schema=${S}`), 400, 'NO_PRIMARY_KEY', 'Table "nokey" has no primary key, so its rows cannot be addressed by id', NO_KEY);
  });

  it('bulk deletes by ids, counting only the rows that existed', async () => {
    const res = await call('POST', '/table/codes/rows/delete', { rowIds: ['y', 'z', 'missing'], schema: S });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ success: true, deletedCount: 2, message: '2 row(s) deleted successfully' });
    expect(await rowsOf(`SELECT code FROM ${S}.codes`)).toEqual([{ code: 'a/b c' }]);
    await db().query(`INSERT INTO ${S}.pairs VALUES (2, 'x', 'two-x'), (2, 'y', 'two-y')`);
    const pairs = await call('POST', '/table/pairs/rows/delete', { rowIds: [[1, 'x'], [1, 'y'], [2, 'q']], schema: S });
    expect(pairs.status).toBe(200);
    expect(pairs.json()).toEqual({ success: true, deletedCount: 2, message: '2 row(s) deleted successfully' });
    expect(await rowsOf(`SELECT a, b FROM ${S}.pairs ORDER BY a, b`)).toEqual([{ a: 2, b: 'x' }, { a: 2, b: 'y' }]);
    const added = (await db().query(`INSERT INTO ${S}.users (name) VALUES ('b1'), ('b2') RETURNING id`)).rows.map((r) => r.id);
    const ints = await call('POST', '/table/users/rows/delete', { rowIds: [1, 2, String(added[0]), added[1]], schema: S });
    expect(ints.status).toBe(200);
    expect(ints.json()).toEqual({ success: true, deletedCount: 4, message: '4 row(s) deleted successfully' });
    expect(await rowsOf(`SELECT count(*)::int AS n FROM ${S}.users`)).toEqual([{ n: 0 }]);
  });

  it('refuses an empty or non-array rowIds with 400', async () => {
    for (const rowIds of [[], 'x', undefined, { a: 1 }]) {
      expectApiError(await call('POST', '/table/codes/rows/delete', { rowIds, schema: S }), 400, 'VALIDATION_ERROR', 'rowIds must be a non-empty array of row ids', VALIDATION);
    }
    expectApiError(
      await call('POST', '/table/codes/rows/delete', { rowIds: [{ a: 1 }], schema: S }),
      400,
      'VALIDATION_ERROR',
      'A row id must be a value of the primary key "code" (text)',
      VALIDATION,
    );
    expectApiError(await call('POST', '/table/pairs/rows/delete', { rowIds: [1], schema: S }), 400, 'VALIDATION_ERROR', PAIRS_KEY, VALIDATION);
    expect(await rowsOf(`SELECT code FROM ${S}.codes`)).toEqual([{ code: 'a/b c' }]);
  });

  it('requires admin credentials', async () => {
    const refused = [
      await call('POST', '/table/codes/row', { data: { code: 'q' }, schema: S }, null),
      await call('PATCH', '/table/codes/q', { column: 'label', value: 'x', schema: S }, null),
      await call('DELETE', `/table/codes/row/q?schema=${S}`, undefined, null),
      await call('POST', '/table/codes/rows/delete', { rowIds: ['a/b c'], schema: S }, null),
    ];
    for (const res of refused) {
      expectApiError(res, 401, 'UNAUTHORIZED', 'Admin authentication required', 'Send admin credentials: Basic auth with ADMIN_USER/ADMIN_PASSWORD, or a service_role JWT');
    }
    expect(await rowsOf(`SELECT code FROM ${S}.codes`)).toEqual([{ code: 'a/b c' }]);
  });
});
