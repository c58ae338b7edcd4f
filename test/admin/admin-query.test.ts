/** POST /api/query: search_path to the schema, one transaction, statement timeout, PostgreSQL errors as 400. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, db } from '../support/env.ts';
import { JSON_CT, toReply, type Reply } from '../support/http.ts';
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
    expect(res.headers.get('content-type')).toBe(JSON_CT);
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
    expect(res.json()).toEqual({
      error: 'QUERY_FAILED',
      message: 'relation "users" does not exist (SQLSTATE 42P01): at character 22',
      statusCode: 400,
      nextActions: 'Fix the query according to the PostgreSQL error message',
      code: '42P01',
      position: 22,
    });
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
    expect(dup.json()).toEqual({
      error: 'QUERY_FAILED',
      message: 'duplicate key value violates unique constraint "users_pkey" (SQLSTATE 23505): Key (id)=(1) already exists.',
      statusCode: 400,
      nextActions: 'Fix the query according to the PostgreSQL error message',
      code: '23505',
      position: null,
    });
  });

  it('answers syntax errors with 400 and their position, before running anything', async () => {
    const res = await query({ sql: 'SELEC 1', schema: S });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({
      error: 'SQL_SYNTAX_ERROR',
      message: 'SQL syntax error: syntax error at or near "SELEC" (at character 1)',
      statusCode: 400,
      nextActions: 'Fix the SQL syntax at the position given',
    });
  });

  it('refuses transaction control and statement_timeout changes, which would escape its frame', async () => {
    const txn = 'BEGIN, COMMIT, ROLLBACK, SAVEPOINT and the like are not allowed: the query already runs in its own transaction';
    const timeout = "Changing statement_timeout is not allowed: queries run under the server's timeout (DB_STATEMENT_TIMEOUT_MS)";
    const cases: [string, string][] = [
      ['COMMIT', txn],
      ['BEGIN; SELECT 1', `${txn} (statement 1)`],
      ['SELECT 1; ROLLBACK', `${txn} (statement 2)`],
      ['SET statement_timeout = 0', timeout],
      ['SET LOCAL statement_timeout TO 999999', timeout],
    ];
    for (const [sql, message] of cases) {
      const res = await query({ sql, schema: S });
      expect(res.status, sql).toBe(400);
      expect(res.json(), sql).toEqual({
        error: 'SQL_NOT_ALLOWED',
        message,
        statusCode: 400,
        nextActions: 'Remove what the named rule refuses, or use the relaxed endpoint or a migration where appropriate',
      });
    }
  });

  it('refuses empty SQL, unknown and system schemas with 400', async () => {
    const cases: [unknown, string, string][] = [
      [{}, 'VALIDATION_ERROR', 'sql is required'],
      [{ sql: '' }, 'VALIDATION_ERROR', 'sql is required'],
      [{ sql: '   ' }, 'VALIDATION_ERROR', 'sql is required'],
      [{ sql: '-- nothing' }, 'VALIDATION_ERROR', 'sql contains no SQL statements'],
      [{ sql: 1 }, 'VALIDATION_ERROR', 'sql is required'],
      [{ sql: 'SELECT 1', schema: 'no_such_schema_q' }, 'INVALID_SCHEMA', "Schema 'no_such_schema_q' does not exist"],
      [{ sql: 'SELECT 1', schema: 'pg_catalog' }, 'INVALID_SCHEMA', "'pg_catalog' is a system schema; the admin table endpoints do not serve it"],
      [{ sql: 'SELECT 1', schema: 'basalt' }, 'INVALID_SCHEMA', "'basalt' is a system schema; the admin table endpoints do not serve it"],
    ];
    for (const [body, error, message] of cases) {
      const res = await query(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type'), JSON.stringify(body)).toBe(JSON_CT);
      expect(res.json(), JSON.stringify(body)).toMatchObject({ error, message, statusCode: 400 });
    }
  });

  it('requires admin credentials', async () => {
    const res = await query({ sql: `DELETE FROM users`, schema: S }, apiUrl, null);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="basalt", charset="UTF-8"');
    expect(res.json()).toEqual({
      error: 'UNAUTHORIZED',
      message: 'Admin authentication required',
      statusCode: 401,
      nextActions: 'Send admin credentials: Basic auth with ADMIN_USER/ADMIN_PASSWORD, or a service_role JWT',
    });
    const wrong = await query({ sql: `DELETE FROM users`, schema: S }, apiUrl, 'Basic ' + Buffer.from('admin:wrong').toString('base64'));
    expect(wrong.status).toBe(401);
    expect(wrong.json()).toMatchObject({ error: 'UNAUTHORIZED', message: 'Invalid admin credentials', statusCode: 401 });
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
    expect(res.json()).toEqual({
      error: 'QUERY_TIMEOUT',
      message: 'The query was cancelled after the statement timeout of 300 ms (DB_STATEMENT_TIMEOUT_MS): canceling statement due to statement timeout',
      statusCode: 408,
      nextActions: 'Make the query faster (indexes, LIMIT) or raise DB_STATEMENT_TIMEOUT_MS',
      code: '57014',
    });
    expect(Date.now() - started).toBeLessThan(4_000);
    const ok = await query({ sql: 'SELECT pg_sleep(0.05), 1 AS one', schema: S }, base);
    expect(ok.json().rows[0].one).toBe(1);
  });
});
