import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, db } from '../support/env.ts';
import { isolatedStack, type IsolatedStack } from '../support/isolated-stack.ts';

const strict = `${apiUrl}/api/database/advance/rawsql`;
const relaxed = `${apiUrl}/api/database/advance/rawsql/unrestricted`;
const run = (url: string, body: unknown, auth: string | null = adminAuth) =>
  fetch(url, { method: 'POST', headers: { ...(auth ? { Authorization: auth } : {}), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

const t = `rawsql_posts_${Date.now()}`;

// auth.users is someone else's table: make a stand-in only when it is missing, and remove only that.
let madeAuthUsers = false;
beforeAll(async () => {
  await db().query(`
    CREATE TABLE public.${t} (id int PRIMARY KEY, title text, published boolean);
    INSERT INTO public.${t} VALUES (1, 'one', true), (2, 'two', false), (3, 'three', true);
  `);
  if ((await db().query(`SELECT to_regclass('auth.users') AS r`)).rows[0].r === null) {
    await db().query(`CREATE TABLE auth.users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text)`);
    madeAuthUsers = true;
  }
});
afterAll(async () => {
  if (madeAuthUsers) await db().query(`DROP TABLE IF EXISTS auth.users`);
});

describe('raw SQL, strict mode: allowed queries', () => {
  it('runs a parameterised SELECT and answers rows, rowCount, command and fields', async () => {
    const res = await run(strict, { query: `SELECT id, title FROM ${t} WHERE published = $1 ORDER BY id`, params: [true] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      rows: [{ id: 1, title: 'one' }, { id: 3, title: 'three' }],
      rowCount: 2,
      command: 'SELECT',
      fields: [{ name: 'id', dataTypeID: 23 }, { name: 'title', dataTypeID: 25 }],
    });
  });

  it('runs writes and DDL on user tables', async () => {
    const ins = await run(strict, { query: `INSERT INTO ${t} VALUES ($1, $2, $3) RETURNING id`, params: [10, 'ten', false] });
    expect(await ins.json()).toMatchObject({ rows: [{ id: 10 }], rowCount: 1, command: 'INSERT' });
    const upd = await run(strict, { query: `UPDATE ${t} SET title = 'TEN' WHERE id = 10` });
    expect(await upd.json()).toMatchObject({ rowCount: 1, command: 'UPDATE' });
    const ddl = await run(strict, { query: `CREATE TABLE ${t}_b (id int); CREATE INDEX ON ${t}_b (id)` });
    expect(await ddl.json()).toMatchObject({ command: 'CREATE', rows: [] });
  });

  it('runs several statements in one transaction and answers the last result', async () => {
    const res = await run(strict, { query: `INSERT INTO ${t} VALUES (20, 'x', true); SELECT count(*)::int AS n FROM ${t} WHERE id = 20` });
    expect(await res.json()).toMatchObject({ rows: [{ n: 1 }], command: 'SELECT' });
    // A failing later statement undoes the earlier ones.
    const bad = await run(strict, { query: `INSERT INTO ${t} VALUES (21, 'y', true); SELECT 1/0` });
    expect(bad.status).toBe(400);
    expect((await db().query(`SELECT count(*)::int AS n FROM ${t} WHERE id = 21`)).rows[0].n).toBe(0);
  });

  it('answers a deferred constraint failing at COMMIT as 400', async () => {
    const d = `${t}_defer`;
    await db().query(`CREATE TABLE ${d} (id int PRIMARY KEY, parent int REFERENCES ${d} DEFERRABLE INITIALLY DEFERRED)`);
    const res = await run(strict, { query: `INSERT INTO ${d} VALUES (1, 42)` });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('QUERY_FAILED');
    expect((await db().query(`SELECT count(*)::int AS n FROM ${d}`)).rows[0].n).toBe(0);
  });

  it('refuses several statements together with params', async () => {
    const res = await run(strict, { query: 'SELECT $1::int; SELECT 2', params: [1] });
    expect(res.status).toBe(400);
    expect((await res.json()).message).toContain('only one statement');
  });

  it('answers a PostgreSQL error as 400 QUERY_FAILED with its message, and bad syntax as SQL_SYNTAX_ERROR', async () => {
    const res = await run(strict, { query: `SELECT nope FROM ${t}` });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({ error: 'QUERY_FAILED', statusCode: 400 });
    expect(body.message).toContain('column "nope" does not exist');
    const syn = await run(strict, { query: 'SELEC 1' });
    expect(syn.status).toBe(400);
    expect(await syn.json()).toEqual({
      error: 'SQL_SYNTAX_ERROR',
      message: 'SQL syntax error: syntax error at or near "SELEC" (at character 1)',
      statusCode: 400,
      nextActions: 'Fix the SQL syntax at the position given',
    });
    const missing = await run(strict, {});
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      error: 'VALIDATION_ERROR',
      message: 'query: Invalid input: expected string, received undefined',
      statusCode: 400,
      nextActions: 'Check the request body against the API documentation',
    });
  });

  it('does not leak session state to later requests', async () => {
    await run(strict, { query: `SET application_name = 'leaky'; CREATE TEMP TABLE leak_tmp (id int)` });
    for (let i = 0; i < 5; i++) {
      const res = await run(strict, { query: `SELECT current_setting('application_name') AS a, to_regclass('leak_tmp') AS t` });
      const row = (await res.json()).rows[0];
      expect(row.a).not.toBe('leaky');
      expect(row.t).toBeNull();
    }
  });
});

describe('raw SQL, strict mode: refusals', () => {
  it.each([
    ['SELECT * FROM pg_catalog.pg_authid', 'system-tables'],
    ['SELECT rolname FROM pg_roles', 'system-tables'],
    ['SELECT * FROM information_schema.tables', 'system-tables'],
    [`WITH x AS (SELECT * FROM basalt.user_migrations) SELECT * FROM x`, 'control-schema'],
    [`SELECT * FROM ${t} WHERE id IN (SELECT 1 FROM basalt.artifacts)`, 'control-schema'],
    ['SELECT email FROM auth.users', 'auth-users'],
    ['CREATE ROLE evil', 'role-management'],
    ['GRANT service_role TO anon', 'role-management'],
    ['SET ROLE anon', 'session-role'],
    ['SET SESSION AUTHORIZATION anon', 'session-role'],
    ["ALTER SYSTEM SET work_mem = '1GB'", 'alter-system'],
    ["COPY (SELECT 1) TO PROGRAM 'id'", 'copy-program'],
    ["COPY (SELECT 1) TO '/tmp/basalt-x'", 'copy-file'],
    ["SELECT pg_read_file('/etc/passwd')", 'file-access'],
    ['CREATE DATABASE evil', 'database-level'],
    ['SET search_path = basalt', 'search-path'],
    ['SET statement_timeout = 0', 'statement-timeout'],
    ['DO $$ BEGIN PERFORM 1; END $$', 'opaque-code'],
  ])('refuses %s (%s) with 403 naming the rule', async (query, rule) => {
    const res = await run(strict, { query });
    expect(res.status).toBe(403);
    const body = await res.json();
    expect(body).toMatchObject({ error: 'SQL_NOT_ALLOWED', statusCode: 403, nextActions: expect.any(String) });
    expect(body.message).toContain(`rule '${rule}'`);
  });

  it('refuses transaction control with 400', async () => {
    const res = await run(strict, { query: 'COMMIT; SELECT 1' });
    expect(res.status).toBe(400);
    expect((await res.json()).message).toContain("rule 'transaction-control'");
  });

  it('did not run anything it refused', async () => {
    expect((await db().query(`SELECT count(*)::int AS n FROM pg_roles WHERE rolname = 'evil'`)).rows[0].n).toBe(0);
  });
});

describe('raw SQL, relaxed mode', () => {
  it('allows reading system tables and auth.users', async () => {
    const users = await run(relaxed, { query: 'SELECT * FROM auth.users LIMIT 10' });
    expect(users.status).toBe(200);
    expect(await users.json()).toMatchObject({ command: 'SELECT', rowCount: expect.any(Number) });
    const cat = await run(relaxed, { query: 'SELECT relname FROM pg_catalog.pg_class WHERE relname = $1', params: [t] });
    expect((await cat.json()).rows).toEqual([{ relname: t }]);
    const ctl = await run(relaxed, { query: 'SELECT count(*)::int AS n FROM basalt.user_migrations' });
    expect(ctl.status).toBe(200);
  });

  // auth's tables, not Basalt's control schema: relaxed mode's role has no rights there (docs/security.md).
  it('allows INSERT into system tables', async () => {
    const email = `relaxed_${Date.now()}@example.com`;
    const res = await run(relaxed, { query: `INSERT INTO auth.users (email) VALUES ($1) RETURNING email`, params: [email] });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ rows: [{ email }], rowCount: 1, command: 'INSERT' });
    await db().query('DELETE FROM auth.users WHERE email = $1', [email]);
  });

  it.each([
    ['DELETE FROM auth.users', 'auth-users'],
    ['UPDATE basalt.user_migrations SET name = name', 'control-schema'],
    ['DROP TABLE basalt.artifacts', 'control-schema'],
    ["COPY (SELECT 1) TO PROGRAM 'id'", 'copy-program'],
    ["COPY auth.users FROM '/etc/passwd'", 'copy-file'],
    ["SELECT pg_read_binary_file('/etc/passwd')", 'file-access'],
    ["SELECT lo_import('/etc/passwd')", 'file-access'],
    ['SET ROLE anon', 'session-role'],
    ['CREATE ROLE evil2', 'role-management'],
    ['DROP DATABASE evil', 'database-level'],
  ])('refuses %s (%s)', async (query, rule) => {
    const res = await run(relaxed, { query });
    expect(res.status).toBe(403);
    expect((await res.json()).message).toContain(`rule '${rule}'`);
  });
});

describe('raw SQL: auth', () => {
  it('needs admin credentials on both endpoints', async () => {
    for (const url of [strict, relaxed]) {
      const res = await run(url, { query: 'SELECT 1' }, null);
      expect(res.status).toBe(401);
      expect((await res.json()).error).toBe('UNAUTHORIZED');
    }
  });
});

describe('raw SQL: statement timeout', () => {
  let stack: IsolatedStack;
  let base: string;
  beforeAll(async () => {
    stack = await isolatedStack('rawsqlq', { DB_STATEMENT_TIMEOUT_MS: '300' });
    base = stack.base;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('cancels a query that runs past DB_STATEMENT_TIMEOUT_MS with 408 QUERY_TIMEOUT', async () => {
    const started = Date.now();
    const res = await run(`${base}/api/database/advance/rawsql`, { query: 'SELECT pg_sleep(5)' });
    expect(res.status).toBe(408);
    const body = await res.json();
    expect(body).toMatchObject({ error: 'QUERY_TIMEOUT', statusCode: 408 });
    expect(body.message).toContain('300 ms');
    expect(Date.now() - started).toBeLessThan(4_000);
    const ok = await run(`${base}/api/database/advance/rawsql`, { query: 'SELECT pg_sleep(0.05), 1 AS one' });
    expect((await ok.json()).rows[0].one).toBe(1);
  });
});
