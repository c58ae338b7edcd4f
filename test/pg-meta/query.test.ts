/**
 * POST /query (Postgres Admin API): any SQL, the rows of the last statement that returned
 * rows, Postgres errors with every field and a psql-style caret line, a statement timeout,
 * and connections that come back clean whatever the SQL left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, db } from '../support/env.ts';
import { isolatedStack, type IsolatedStack } from '../support/isolated-stack.ts';
import { toReply, type Reply } from '../support/http.ts';

const S = `pgmq_${process.pid}`;

async function post(body: unknown, base = apiUrl, raw?: string): Promise<Reply> {
  return toReply(
    await fetch(`${base}/query`, {
      method: 'POST',
      headers: { Authorization: adminAuth, 'Content-Type': 'application/json' },
      body: raw ?? JSON.stringify(body),
    }),
  );
}
const sql = (query: string, base?: string) => post({ query }, base);

beforeAll(async () => {
  await db().query(`DROP SCHEMA IF EXISTS ${S} CASCADE; CREATE SCHEMA ${S}`);
});
afterAll(async () => {
  await db().query(`DROP SCHEMA IF EXISTS ${S} CASCADE`);
});

describe('POST /query: results', () => {
  it('answers a select as a JSON array of rows, values typed as postgres-meta does', async () => {
    const r = await sql(
      `SELECT 1 AS one, 'a'::text AS t, 9007199254740993::int8 AS big, 42::int8 AS small, 1.50::numeric AS n,
              '2024-05-06'::date AS d, '2024-05-06 07:08:09+02'::timestamptz AS ts, '{"a":[1]}'::jsonb AS j,
              ARRAY[1,2] AS arr, NULL AS nothing, true AS yes`,
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    const rows = r.json();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ one: 1, t: 'a', big: '9007199254740993', small: 42, n: '1.50', d: '2024-05-06', j: { a: [1] }, arr: [1, 2], nothing: null, yes: true });
    // The server's own text, not a Date shifted to UTC.
    expect(rows[0].ts).toMatch(/^2024-05-06 \d\d:08:09\+00$/);
  });

  it('answers [] for a statement without rows and for a select of no rows', async () => {
    expect((await sql(`CREATE TABLE ${S}.empty (id int)`)).json()).toEqual([]);
    expect((await sql(`SELECT * FROM ${S}.empty`)).json()).toEqual([]);
  });

  it('runs several statements, DDL and DML, and answers the rows of the last statement that has rows', async () => {
    const r = await sql(`
      CREATE TABLE ${S}.items (id int PRIMARY KEY, name text);
      INSERT INTO ${S}.items VALUES (1, 'one'), (2, 'two');
      SELECT id, name FROM ${S}.items ORDER BY id;
      UPDATE ${S}.items SET name = 'uno' WHERE id = 1;
      SELECT * FROM ${S}.items WHERE false;`);
    expect(r.status).toBe(200);
    expect(r.json()).toEqual([{ id: 1, name: 'one' }, { id: 2, name: 'two' }]);
    const { rows } = await db().query(`SELECT name FROM ${S}.items ORDER BY id`);
    expect(rows).toEqual([{ name: 'uno' }, { name: 'two' }]);

    const last = await sql(`SELECT 1 AS a; SELECT 2 AS b; INSERT INTO ${S}.items VALUES (3, 'three') RETURNING id`);
    expect(last.json()).toEqual([{ id: 3 }]);
  });

  it('runs statements that cannot run inside a transaction block', async () => {
    expect((await sql(`VACUUM ${S}.items`)).status).toBe(200);
    const dbName = `pgmq_db_${process.pid}`;
    expect((await sql(`CREATE DATABASE ${dbName}`)).status).toBe(200);
    expect((await sql(`DROP DATABASE ${dbName}`)).status).toBe(200);
  });

  it('binds parameters ($1, $2) with the extended protocol', async () => {
    const r = await post({ query: `SELECT $1::int + 1 AS n, $2::text AS s, $3::jsonb AS j`, parameters: [41, "it's; DROP TABLE x", { k: [1, 2] }] });
    expect(r.status).toBe(200);
    expect(r.json()).toEqual([{ n: 42, s: "it's; DROP TABLE x", j: { k: [1, 2] } }]);
    // An empty list is no parameters: several statements are fine.
    expect((await post({ query: 'SELECT 1 AS a; SELECT 2 AS b', parameters: [] })).json()).toEqual([{ b: 2 }]);
  });

  it('refuses parameters with several statements (400, Postgres error)', async () => {
    const r = await post({ query: `SELECT $1::int AS a; SELECT 2 AS b`, parameters: [1] });
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({ code: '42601', message: 'cannot insert multiple commands into a prepared statement' });
  });
});

describe('POST /query: bad requests', () => {
  it('answers 400 for a missing, empty or non-string query and for bad parameters', async () => {
    for (const body of [{}, { query: '' }, { query: '   ' }, { query: 42 }, { query: 'select 1', parameters: 'x' }, [1]]) {
      const r = await post(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(typeof r.json().error).toBe('string');
    }
  });

  it('answers 400 for a body that is not JSON', async () => {
    const r = await post(undefined, apiUrl, '{"query": ');
    expect(r.status).toBe(400);
    const noType = await toReply(await fetch(`${apiUrl}/query`, { method: 'POST', headers: { Authorization: adminAuth }, body: 'select 1' }));
    expect(noType.status).toBe(400);
  });
});

describe('POST /query: database errors', () => {
  it('syntax error: 400 with code, position and a psql-style caret line', async () => {
    const r = await sql('selec x');
    expect(r.status).toBe(400);
    const b = r.json();
    expect(b).toMatchObject({ code: '42601', position: '1', severity: 'ERROR', message: 'syntax error at or near "selec"' });
    expect(b.formattedError).toBe('ERROR:  syntax error at or near "selec"\nLINE 1: selec x\n        ^\n');
    // As postgres-meta: `error` is the formatted message.
    expect(b.error).toBe(b.formattedError);
  });

  it('points the caret at the right line and column of a multi-line, multi-statement query', async () => {
    const q = `SELECT 1;\nSELECT id,\n       no_such_col\n  FROM ${S}.items`;
    const b = (await sql(q)).json();
    expect(b.code).toBe('42703');
    expect(Number(b.position)).toBe(q.indexOf('no_such_col') + 1);
    // 'LINE 3: ' then the 7 spaces before the column name.
    expect(b.formattedError).toBe(`ERROR:  column "no_such_col" does not exist\nLINE 3:        no_such_col\n${' '.repeat(8 + 7)}^\n`);
  });

  it('counts the position in characters, as Postgres does, with non-ASCII text before it', async () => {
    const q = `SELECT '😀é' AS a, nocol`;
    const b = (await sql(q)).json();
    const before = Array.from(q.slice(0, q.indexOf('nocol'))).length; // 😀 is one character, two UTF-16 units
    expect(Number(b.position)).toBe(before + 1);
    expect(b.formattedError).toBe(`ERROR:  column "nocol" does not exist\nLINE 1: ${q}\n${' '.repeat(8 + before)}^\n`);
  });

  it('undefined column: position, hint and the caret under the column', async () => {
    const b = (await sql(`SELECT nme FROM ${S}.items`)).json();
    expect(b).toMatchObject({ code: '42703', position: '8' });
    expect(b.formattedError).toContain(`LINE 1: SELECT nme FROM ${S}.items\n               ^\n`);
    // Postgres 15 suggests the near miss.
    if (b.hint) expect(b.formattedError).toContain(`HINT:  ${b.hint}\n`);
  });

  it('division by zero: no position, no LINE', async () => {
    const b = (await sql('SELECT 1/0')).json();
    expect(b).toMatchObject({ code: '22012', message: 'division by zero', severity: 'ERROR' });
    expect(b.position).toBeUndefined();
    expect(b.formattedError).toBe('ERROR:  division by zero\n');
  });

  it('carries detail, schema, table, constraint and the CONTEXT of a PL/pgSQL error', async () => {
    const dup = (await sql(`INSERT INTO ${S}.items VALUES (1, 'again')`)).json();
    expect(dup).toMatchObject({ code: '23505', schema: S, table: 'items', constraint: 'items_pkey', detail: 'Key (id)=(1) already exists.' });
    expect(dup.formattedError).toContain('DETAIL:  Key (id)=(1) already exists.\n');

    const raised = (await sql(`DO $$ BEGIN RAISE EXCEPTION 'boom %', 7 USING HINT = 'try again', DETAIL = 'it broke'; END $$`)).json();
    expect(raised).toMatchObject({ code: 'P0001', message: 'boom 7', hint: 'try again', detail: 'it broke' });
    expect(raised.where).toMatch(/PL\/pgSQL function inline_code_block/);
    expect(raised.formattedError).toBe(`ERROR:  boom 7\nDETAIL:  it broke\nHINT:  try again\nCONTEXT:  ${raised.where}\n`);
  });

  it('a failing statement after others rolls the whole implicit transaction back', async () => {
    const r = await sql(`INSERT INTO ${S}.items VALUES (50, 'x'); SELECT 1/0`);
    expect(r.status).toBe(400);
    expect((await db().query(`SELECT 1 FROM ${S}.items WHERE id = 50`)).rowCount).toBe(0);
  });
});

describe('POST /query: timeout and connection reuse (own API, PG_META_STATEMENT_TIMEOUT_MS=500)', () => {
  let stack: IsolatedStack;
  beforeAll(async () => {
    stack = await isolatedStack('pgmetaq', { PG_META_STATEMENT_TIMEOUT_MS: '500' });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const pid = async () => (await sql('SELECT pg_backend_pid() AS pid', stack.base)).json()[0].pid as number;

  /** Runs `poison` on the same backend as the request before (LIFO pool), then `check` on it again. */
  async function onSameBackend(poison: string, check: string): Promise<{ poisoned: Reply; checked: Reply }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = await pid();
      const poisoned = await sql(poison, stack.base);
      const checked = await sql(`SELECT pg_backend_pid() AS pid, c.* FROM (${check}) AS c`, stack.base);
      if (checked.status === 200 && checked.json()[0]?.pid === before) return { poisoned, checked };
    }
    throw new Error('could not get the same backend twice in a row');
  }

  it('cancels a statement that runs longer than the timeout with a 400 (57014)', async () => {
    const t0 = Date.now();
    const r = await sql('SELECT pg_sleep(5)', stack.base);
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({ code: '57014', message: 'canceling statement due to statement timeout' });
    expect(Date.now() - t0).toBeLessThan(4000);
    // Per statement, and a quick one still runs.
    expect((await sql('SELECT pg_sleep(0.1); SELECT 1 AS ok', stack.base)).json()).toEqual([{ ok: 1 }]);
  });

  it('the user cannot lift the timeout for the next request by SET statement_timeout', async () => {
    const { checked } = await onSameBackend(`SET statement_timeout = 0`, `SELECT current_setting('statement_timeout') AS st`);
    expect(checked.json()[0].st).toBe('500ms');
    const slow = await sql('SELECT pg_sleep(2)', stack.base);
    expect(slow.json().code).toBe('57014');
  });

  it('a transaction left open by the SQL is rolled back, not carried into the next request', async () => {
    const table = `${S}.left_open`;
    const { poisoned, checked } = await onSameBackend(
      `BEGIN; CREATE TABLE ${table} (id int)`,
      `SELECT now() = statement_timestamp() AS fresh, to_regclass('${table}') IS NULL AS gone`,
    );
    expect(poisoned.status).toBe(200);
    expect(checked.json()[0]).toMatchObject({ fresh: true, gone: true });
    expect((await db().query(`SELECT to_regclass('${table}') AS t`)).rows[0].t).toBeNull();
  });

  it('a failed (aborted) transaction does not poison the next request', async () => {
    const { poisoned, checked } = await onSameBackend(`BEGIN; SELECT 1/0`, `SELECT 1 AS ok`);
    expect(poisoned.status).toBe(400);
    expect(checked.json()[0].ok).toBe(1);
  });

  it('session settings and role changes are reset', async () => {
    const { checked } = await onSameBackend(
      `SET application_name = 'leaked'; SET search_path = nowhere; SET ROLE anon`,
      `SELECT current_setting('application_name') AS app, current_setting('search_path') AS sp, current_user AS usr`,
    );
    const row = checked.json()[0];
    expect(row.app).not.toBe('leaked');
    expect(row.sp).not.toBe('nowhere');
    expect(row.usr).not.toBe('anon');
  });
});
