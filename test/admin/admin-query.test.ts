/** POST /api/query: search_path to the schema, one transaction, statement timeout, PostgreSQL errors as 400. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, db } from '../support/env.ts';
import { toReply, type Reply } from '../support/http.ts';
import { isolatedStack, type IsolatedStack } from '../support/isolated-stack.ts';

const S = `adm_query_${process.pid}`;
const query = async (body: unknown, base = apiUrl, auth: string | null = adminAuth): Promise<Reply> =>
  toReply(
    await fetch(`${base}/api/query`, {
      method: 'POST',
      headers: { ...(auth ? { Authorization: auth } : {}), 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );

beforeAll(async () => {
  await db().query(`DROP SCHEMA IF EXISTS ${S} CASCADE; CREATE SCHEMA ${S};
    CREATE TABLE ${S}.users (id int PRIMARY KEY, name varchar(50), age int);
    INSERT INTO ${S}.users VALUES (1, 'John', 30), (2, 'Jane', 28), (3, 'Old', 20)`);
});
afterAll(async () => {
  await db().query(`DROP SCHEMA IF EXISTS ${S} CASCADE`);
});

describe('POST /api/query', () => {
  it('runs with search_path set to the schema and answers {rows, fields, rowCount, duration}', async () => {
    const res = await query({ sql: 'SELECT * FROM users WHERE age > 25 ORDER BY id LIMIT 10;', schema: S });
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body.rows).toEqual([{ id: 1, name: 'John', age: 30 }, { id: 2, name: 'Jane', age: 28 }]);
    expect(body.fields).toEqual([{ name: 'id', dataTypeID: 23 }, { name: 'name', dataTypeID: 1043 }, { name: 'age', dataTypeID: 23 }]);
    expect(body.rowCount).toBe(2);
    expect(typeof body.duration).toBe('number');
    expect(Object.keys(body).sort()).toEqual(['duration', 'fields', 'rowCount', 'rows']);
    const path = await query({ sql: 'SHOW search_path', schema: S });
    expect(path.json().rows).toEqual([{ search_path: S }]);
  });

  it('defaults to public, where the schema\'s tables are not visible', async () => {
    const res = await query({ sql: 'SELECT count(*) FROM users' });
    expect(res.status).toBe(400);
    expect(res.json().message).toContain('relation "users" does not exist');
  });

  it('runs several statements in one transaction and answers the last result; DDL lands in the schema', async () => {
    const res = await query({ sql: `CREATE TABLE made_here (x int); INSERT INTO made_here VALUES (1), (2); SELECT sum(x)::int AS total FROM made_here`, schema: S });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ rows: [{ total: 3 }], rowCount: 1 });
    expect((await db().query(`SELECT to_regclass('${S}.made_here') IS NOT NULL AS ok`)).rows[0].ok).toBe(true);
    const upd = await query({ sql: `UPDATE users SET age = age + 1 WHERE age < 30`, schema: S });
    expect(upd.json()).toMatchObject({ rows: [], rowCount: 2, fields: [] });
  });

  it('rolls everything back when a later statement fails, with PostgreSQL\'s message, code and position', async () => {
    const sql = `INSERT INTO users VALUES (9, 'x', 1); SELECT nope FROM users`;
    const res = await query({ sql, schema: S });
    expect(res.status).toBe(400);
    const body = res.json();
    // position: 1-based, in the SQL as sent
    expect(body).toMatchObject({ error: 'QUERY_FAILED', statusCode: 400, code: '42703', position: sql.indexOf('nope') + 1 });
    expect(body.message).toContain('column "nope" does not exist');
    expect(body.message).toContain('42703');
    expect((await db().query(`SELECT count(*)::int AS n FROM ${S}.users WHERE id = 9`)).rows[0].n).toBe(0);
    const dup = await query({ sql: `INSERT INTO users VALUES (1, 'dup', 1)`, schema: S });
    expect(dup.json()).toMatchObject({ error: 'QUERY_FAILED', code: '23505' });
  });

  it('answers syntax errors with 400 and their position, before running anything', async () => {
    const res = await query({ sql: 'SELEC 1', schema: S });
    expect(res.status).toBe(400);
    expect(res.json().error).toBe('SQL_SYNTAX_ERROR');
    expect(res.json().message).toContain('at character 1');
  });

  it('refuses transaction control and statement_timeout changes, which would escape its frame', async () => {
    for (const sql of ['COMMIT', 'BEGIN; SELECT 1', 'SELECT 1; ROLLBACK', 'SET statement_timeout = 0', 'SET LOCAL statement_timeout TO 999999']) {
      const res = await query({ sql, schema: S });
      expect(res.status, sql).toBe(400);
      expect(res.json().error, sql).toBe('SQL_NOT_ALLOWED');
    }
  });

  it('refuses empty SQL, unknown and system schemas with 400', async () => {
    for (const body of [{}, { sql: '' }, { sql: '   ' }, { sql: '-- nothing' }, { sql: 1 }, { sql: 'SELECT 1', schema: 'no_such_schema_q' }, { sql: 'SELECT 1', schema: 'pg_catalog' }, { sql: 'SELECT 1', schema: 'basalt' }]) {
      const res = await query(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await query({ sql: 'SELECT 1', schema: 'no_such_schema_q' })).json()).toMatchObject({ error: 'INVALID_SCHEMA', message: "Schema 'no_such_schema_q' does not exist" });
  });

  it('requires admin credentials', async () => {
    const res = await query({ sql: `DELETE FROM users`, schema: S }, apiUrl, null);
    expect(res.status).toBe(401);
    expect((await db().query(`SELECT count(*)::int AS n FROM ${S}.users`)).rows[0].n).toBe(3);
  });
});

describe('POST /api/query: statement timeout', () => {
  let stack: IsolatedStack;
  let base: string;
  beforeAll(async () => {
    stack = await isolatedStack('admq', { DB_STATEMENT_TIMEOUT_MS: '300' });
    base = stack.base;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('cancels a query past DB_STATEMENT_TIMEOUT_MS (30 s by default) with 408 QUERY_TIMEOUT', async () => {
    const started = Date.now();
    const res = await query({ sql: 'SELECT pg_sleep(5)', schema: S }, base);
    expect(res.status).toBe(408);
    expect(res.json()).toMatchObject({ error: 'QUERY_TIMEOUT', statusCode: 408, code: '57014' });
    expect(res.json().message).toContain('300 ms');
    expect(Date.now() - started).toBeLessThan(4_000);
    const ok = await query({ sql: 'SELECT pg_sleep(0.05), 1 AS one', schema: S }, base);
    expect(ok.json().rows[0].one).toBe(1);
  });
});
