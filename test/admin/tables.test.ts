/** Admin tables: listing, paging, create, delete, clone, add column, export. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, db } from '../support/env.ts';
import { authorizedCall, JSON_CT, type Reply } from '../support/http.ts';
import { poll } from '../support/processes.ts';

const S = `adm_tbl_${process.pid}`;
const call = authorizedCall(`${apiUrl}/api`, adminAuth);
const VALIDATION = 'Check the request body against the API documentation';
const BAD_SCHEMA = 'Use an existing, non-system schema that this endpoint serves';
const notFound = (table: string) => ({ error: 'TABLE_NOT_FOUND', message: `Table "${table}" does not exist in schema "${S}"`, statusCode: 404, nextActions: 'Check table name and try again' });
const systemSchema = (schema: string) => ({ error: 'INVALID_SCHEMA', message: `'${schema}' is a system schema; the admin table endpoints do not serve it`, statusCode: 400, nextActions: BAD_SCHEMA });
/** The status, a JSON Content-Type and exactly this /api error envelope. */
const expectEnvelope = (res: Reply, body: { statusCode: number } & Record<string, unknown>, label?: string) => {
  expect(res.status, label ?? res.text).toBe(body.statusCode);
  expect(res.headers.get('content-type'), label).toBe(JSON_CT);
  expect(res.json(), label).toEqual(body);
};
const invalid = (message: string) => ({ error: 'VALIDATION_ERROR', message, statusCode: 400, nextActions: VALIDATION });
const create = (tableName: string, columns: unknown[], schema = S) => call('POST', '/table/create', { tableName, schema, columns });
const columnsOf = async (table: string) =>
  (
    await db().query(
      `SELECT column_name, data_type, character_maximum_length AS len, numeric_precision AS prec, numeric_scale AS scale, is_nullable, column_default
         FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [S, table],
    )
  ).rows;

beforeAll(async () => {
  await db().query(`DROP SCHEMA IF EXISTS ${S} CASCADE; CREATE SCHEMA ${S}`);
  await db().query(`CREATE TABLE ${S}.people (id serial PRIMARY KEY, name text NOT NULL, big bigint, price numeric);
    INSERT INTO ${S}.people (name, big, price) SELECT 'p' || g, 9007199254740993, 1.10 FROM generate_series(1, 120) g;
    CREATE TABLE ${S}.empty (id int PRIMARY KEY);
    CREATE VIEW ${S}.people_view AS SELECT id, name FROM ${S}.people`);
});
afterAll(async () => {
  await db().query(`DROP SCHEMA IF EXISTS ${S} CASCADE`);
});

describe('GET /api/tables and /api/table/:name', () => {
  it('lists the tables of a schema (not views), sorted', async () => {
    const res = await call('GET', `/tables?schema=${S}`);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual(['empty', 'people']);
  });

  it('pages through a table: {data, columns, total, page}, ordered by primary key, exact bigint values', async () => {
    const res = await call('GET', `/table/people?schema=${S}&page=2&limit=50`);
    expect(res.status).toBe(200);
    const body = res.json();
    expect(body.columns).toEqual(['id', 'name', 'big', 'price']);
    expect(body.total).toBe(120);
    expect(body.page).toBe(2);
    expect(body.data).toHaveLength(50);
    expect(body.data[0]).toMatchObject({ id: 51, name: 'p51' });
    // Built in SQL: the bigint arrives as written, not rounded to 9007199254740992.
    expect(res.text).toContain('"big":9007199254740993');
    const last = (await call('GET', `/table/people?schema=${S}&page=3`)).json();
    expect(last.data.map((r: { id: number }) => r.id)).toEqual(Array.from({ length: 20 }, (_, i) => 101 + i));
  });

  it('defaults to 50 rows of page 1 and pages views too', async () => {
    const res = (await call('GET', `/table/people_view?schema=${S}`)).json();
    expect(res.data).toHaveLength(50);
    expect(res).toMatchObject({ total: 120, page: 1, columns: ['id', 'name'] });
  });

  it('refuses bad paging, unknown tables and bad schemas', async () => {
    const paging: [string, string][] = [
      ['page=0', "page must be a positive integer, got '0'"],
      ['page=-1', "page must be a positive integer, got '-1'"],
      ['page=x', "page must be a positive integer, got 'x'"],
      ['limit=0', "limit must be a positive integer, got '0'"],
      ['limit=1001', 'limit must be at most 1000, got 1001'],
      ['limit=1.5', "limit must be a positive integer, got '1.5'"],
    ];
    for (const [q, message] of paging) expectEnvelope(await call('GET', `/table/people?schema=${S}&${q}`), invalid(message), q);
    expectEnvelope(await call('GET', `/table/nope?schema=${S}`), notFound('nope'));
    for (const schema of ['pg_catalog', 'information_schema', 'basalt', 'pg_toast']) {
      expectEnvelope(await call('GET', `/tables?schema=${schema}`), systemSchema(schema), schema);
    }
    expectEnvelope(await call('GET', '/tables?schema=no_such_schema_x'), {
      error: 'INVALID_SCHEMA',
      message: "Schema 'no_such_schema_x' does not exist",
      statusCode: 400,
      nextActions: BAD_SCHEMA,
    });
  });

  it('requires admin credentials', async () => {
    for (const [m, p] of [['GET', '/tables'], ['GET', `/table/people?schema=${S}`], ['POST', '/table/create'], ['DELETE', `/table/people?schema=${S}`], ['GET', `/table/people/export?schema=${S}`], ['POST', '/query'], ['GET', '/schema']]) {
      const nextActions = 'Send admin credentials: Basic auth with ADMIN_USER/ADMIN_PASSWORD, or a service_role JWT';
      const r = await call(m, p, undefined, null);
      expectEnvelope(r, { error: 'UNAUTHORIZED', message: 'Admin authentication required', statusCode: 401, nextActions }, `${m} ${p}`);
      expect(r.headers.get('www-authenticate'), `${m} ${p}`).toBe('Basic realm="basalt", charset="UTF-8"');
      const wrong = await call(m, p, undefined, 'Basic ' + Buffer.from('admin:wrong-password').toString('base64'));
      expectEnvelope(wrong, { error: 'UNAUTHORIZED', message: 'Invalid admin credentials', statusCode: 401, nextActions }, `${m} ${p}`);
    }
    expect((await db().query(`SELECT count(*)::int AS n FROM ${S}.people`)).rows[0].n).toBe(120);
  });
});

describe('POST /api/table/create', () => {
  it('creates a table from the seed example, types resolved by PostgreSQL', async () => {
    const res = await create('products', [
      { name: 'id', type: 'INTEGER', primaryKey: true, nullable: false },
      { name: 'name', type: 'VARCHAR', length: 255, nullable: false },
      { name: 'price', type: 'DECIMAL', nullable: true, defaultValue: '0.00' },
    ]);
    expect(res.status).toBe(201);
    expect(res.json()).toEqual({ success: true, message: 'Table "products" created successfully' });
    expect(await columnsOf('products')).toEqual([
      { column_name: 'id', data_type: 'integer', len: null, prec: 32, scale: 0, is_nullable: 'NO', column_default: null },
      { column_name: 'name', data_type: 'character varying', len: 255, prec: null, scale: null, is_nullable: 'NO', column_default: null },
      { column_name: 'price', data_type: 'numeric', len: null, prec: null, scale: null, is_nullable: 'YES', column_default: "0.00" },
    ]);
  });

  it('accepts the names users write: aliases, arrays, modifiers in the type, timestamptz, uuid, jsonb, serial, a schema enum', async () => {
    await db().query(`CREATE TYPE ${S}.mood AS ENUM ('ok', 'sad')`);
    const res = await create('typed', [
      { name: 'id', type: 'bigserial', primaryKey: true },
      { name: 'tags', type: 'int[]' },
      { name: 'amount', type: 'DECIMAL(10,2)', defaultValue: 1.5 },
      { name: 'code', type: 'char', length: 3 },
      { name: 'at', type: 'timestamptz', defaultValue: 'now()' },
      { name: 'at3', type: 'timestamp(3) with time zone' },
      { name: 'uid', type: 'uuid', defaultValue: 'gen_random_uuid()' },
      { name: 'doc', type: 'jsonb', defaultValue: { a: [1, 'x'] } },
      { name: 'flag', type: 'BOOLEAN', defaultValue: false },
      { name: 'feeling', type: 'mood', defaultValue: 'ok' },
      { name: 'names', type: 'varchar(20)[]' },
    ]);
    expect(res.status, res.text).toBe(201);
    const { rows } = await db().query(
      `SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, pg_get_expr(d.adbin, d.adrelid) AS def
         FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = '${S}.typed'::regclass AND a.attnum > 0 ORDER BY a.attnum`,
    );
    expect(Object.fromEntries(rows.map((r) => [r.attname, [r.type, r.def]]))).toEqual({
      id: ['bigint', `nextval('${S}.typed_id_seq'::regclass)`],
      tags: ['integer[]', null],
      amount: ['numeric(10,2)', '1.5'],
      code: ['character(3)', null],
      at: ['timestamp with time zone', 'now()'],
      at3: ['timestamp(3) with time zone', null],
      uid: ['uuid', 'gen_random_uuid()'],
      doc: ['jsonb', `'{"a": [1, "x"]}'::jsonb`],
      flag: ['boolean', 'false'],
      feeling: [`${S}.mood`, `'ok'::${S}.mood`],
      names: ['character varying(20)[]', null],
    });
  });

  it('renders defaults as values: quotes, semicolons, backslashes and SQL arrive intact, nothing runs', async () => {
    const nasty = [`it's "quoted"; DROP TABLE ${S}.people; --`, `a\\b'); DROP TABLE ${S}.people; --`, `$$; SELECT 1; $$`, `now()`];
    const res = await create(
      'defaults',
      [{ name: 'id', type: 'int', primaryKey: true }, ...nasty.map((v, i) => ({ name: `t${i}`, type: 'text', defaultValue: v }))],
    );
    expect(res.status, res.text).toBe(201);
    await db().query(`INSERT INTO ${S}.defaults (id) VALUES (1)`);
    const { rows } = await db().query(`SELECT t0, t1, t2, t3 FROM ${S}.defaults`);
    expect(rows[0]).toEqual({ t0: nasty[0], t1: nasty[1], t2: nasty[2], t3: 'now()' });
    expect((await db().query(`SELECT count(*)::int AS n FROM ${S}.people`)).rows[0].n).toBe(120);
  });

  it('makes a composite primary key of several primaryKey columns', async () => {
    expect((await create('pairs', [{ name: 'a', type: 'int', primaryKey: true }, { name: 'b', type: 'text', primaryKey: true }, { name: 'v', type: 'text' }])).status).toBe(201);
    const { rows } = await db().query(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = '${S}.pairs'::regclass AND contype = 'p'`);
    expect(rows[0].def).toBe('PRIMARY KEY (a, b)');
  });

  it('refuses a table that already exists with 400 and leaves it untouched', async () => {
    const res = await create('people', [{ name: 'x', type: 'int' }]);
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: 'TABLE_EXISTS', message: `Table "people" already exists in schema "${S}"` });
    // a view's name is taken too
    expectEnvelope(await create('people_view', [{ name: 'x', type: 'int' }]), {
      error: 'TABLE_EXISTS',
      message: `Table "people_view" already exists in schema "${S}"`,
      statusCode: 400,
      nextActions: 'Choose another table name, or delete the existing table first (DELETE /api/table/:tableName)',
    });
    expect((await db().query(`SELECT count(*)::int AS n FROM ${S}.people`)).rows[0].n).toBe(120);
  });

  it('refuses unknown and unusable types with 400 INVALID_TYPE naming the column, and creates nothing', async () => {
    const cases: [unknown, string][] = [
      ['nosuchtype', "unknown data type 'nosuchtype'"],
      ['int; DROP TABLE x', 'not a valid data type'],
      ['record', 'pseudo-type'],
      ['anyelement', 'pseudo-type'],
      ['varchar(0)', 'invalid modifiers'],
      ['integer(5)', 'takes no length'],
      ['timestamp(3) with time zone garbage', 'not a valid data type'],
    ];
    for (const [type, msg] of cases) {
      const res = await create('badtype', [{ name: 'id', type: 'int' }, { name: 'c', type }]);
      expect(res.status, String(type)).toBe(400);
      expect(res.json().error, String(type)).toBe('INVALID_TYPE');
      expect(res.json().message, String(type)).toContain(msg);
      expect(res.json().message).toContain('Column "c"');
    }
    const len = await create('badtype', [{ name: 'c', type: 'integer', length: 4 }]);
    expect(len.status).toBe(400);
    expect(len.json().message).toContain('takes no length');
    expect((await db().query(`SELECT to_regclass('${S}.badtype') AS t`)).rows[0].t).toBeNull();
  });

  it('refuses bad names, empty or malformed columns, bad defaults, with 400', async () => {
    const bodies: unknown[] = [
      { tableName: '1abc', schema: S, columns: [{ name: 'a', type: 'int' }] },
      { tableName: 'a-b', schema: S, columns: [{ name: 'a', type: 'int' }] },
      { tableName: 'x'.repeat(64), schema: S, columns: [{ name: 'a', type: 'int' }] },
      { tableName: 'a"b', schema: S, columns: [{ name: 'a', type: 'int' }] },
      { tableName: 'okname', schema: S, columns: [] },
      { tableName: 'okname', schema: S },
      { schema: S, columns: [{ name: 'a', type: 'int' }] },
      { tableName: 'okname', schema: S, columns: [{ name: '1abc', type: 'int' }] },
      { tableName: 'okname', schema: S, columns: [{ name: 'a-b', type: 'int' }] },
      { tableName: 'okname', schema: S, columns: [{ name: 'y'.repeat(64), type: 'int' }] },
      { tableName: 'okname', schema: S, columns: [{ name: 'a' }] },
      { tableName: 'okname', schema: S, columns: [{ name: 'a', type: 'int', length: 'x' }] },
      { tableName: 'okname', schema: S, columns: [{ name: 'a', type: 'int' }, { name: 'a', type: 'text' }] },
      { tableName: 'okname', schema: S, columns: [{ name: 'a', type: 'int', defaultValue: 'abc' }] },
      { tableName: 'okname', schema: S, columns: [{ name: 'a', type: 'serial', defaultValue: 1 }] },
      { tableName: 'okname', schema: 'pg_catalog', columns: [{ name: 'a', type: 'int' }] },
      { tableName: 'okname', schema: 'nope_schema', columns: [{ name: 'a', type: 'int' }] },
    ];
    for (const b of bodies) {
      const res = await call('POST', '/table/create', b);
      expect(res.status, JSON.stringify(b)).toBe(400);
      expect(res.json().message, JSON.stringify(b)).toBeTruthy();
    }
    expect((await call('POST', '/table/create', { tableName: 'x'.repeat(64), schema: S, columns: [{ name: 'a', type: 'int' }] })).json().message).toContain('at most 63');
    expect((await db().query(`SELECT to_regclass('${S}.okname') AS t`)).rows[0].t).toBeNull();
    // 63 characters is fine
    expect((await create('z'.repeat(63), [{ name: 'a', type: 'int' }])).status).toBe(201);
  });

  it("in a project schema, creates the table as the project role so the project's own data API roles (and not the server-wide ones) get their default privileges", async () => {
    const P = `adm_proj_${process.pid}`;
    const made = await call('POST', '/schema/create', { schemaName: P, password: 'long-enough-pw' });
    expect(made.status).toBe(201);
    try {
      expect((await create('notes', [{ name: 'id', type: 'int', primaryKey: true }], P)).status).toBe(201);
      const { rows } = await db().query(
        `SELECT c.relowner::regrole::text AS owner, has_table_privilege('${P}_anon', c.oid, 'SELECT') AS anon_reads,
                has_table_privilege('anon', c.oid, 'SELECT') AS shared_anon_reads
           FROM pg_class c WHERE c.oid = '${P}.notes'::regclass`,
      );
      expect(rows[0]).toEqual({ owner: `${P}_user`, anon_reads: true, shared_anon_reads: false });
      expect((await call('POST', '/table/notes/clone', { newTableName: 'notes2', schema: P })).status).toBe(201);
      expect((await db().query(`SELECT relowner::regrole::text AS owner FROM pg_class WHERE oid = '${P}.notes2'::regclass`)).rows[0].owner).toBe(`${P}_user`);
    } finally {
      await call('DELETE', `/schema/${P}?cascade=true`);
    }
  });
});

describe('DELETE /api/table/:name', () => {
  beforeAll(async () => {
    await db().query(`CREATE TABLE ${S}.parent (id int PRIMARY KEY); CREATE TABLE ${S}.child (id int PRIMARY KEY, parent_id int REFERENCES ${S}.parent);
      CREATE TABLE ${S}.viewed (id int); CREATE VIEW ${S}.v_viewed AS SELECT * FROM ${S}.viewed; CREATE TABLE ${S}.lonely (id int)`);
  });

  it('deletes a table without dependents', async () => {
    const res = await call('DELETE', `/table/lonely?schema=${S}`);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ success: true, message: 'Table "lonely" deleted successfully' });
    expect((await db().query(`SELECT to_regclass('${S}.lonely') AS t`)).rows[0].t).toBeNull();
  });

  it('refuses a table with a foreign key or a view depending on it, without cascade, with 400 naming them', async () => {
    const fk = await call('DELETE', `/table/parent?schema=${S}`);
    expect(fk.status).toBe(400);
    expect(fk.json().error).toBe('TABLE_HAS_DEPENDENTS');
    expect(fk.json().message).toContain('child_parent_id_fkey');
    expect(fk.json().message).toContain('cascade=true');
    const view = await call('DELETE', `/table/viewed?schema=${S}`);
    expect(view.status).toBe(400);
    expect(view.json().message).toContain('v_viewed');
    expect((await db().query(`SELECT to_regclass('${S}.parent') AS t`)).rows[0].t).not.toBeNull();
  });

  it('with cascade=true, deletes it and drops what depends on it', async () => {
    expect((await call('DELETE', `/table/viewed?schema=${S}&cascade=true`)).status).toBe(200);
    expect((await db().query(`SELECT to_regclass('${S}.v_viewed') AS t`)).rows[0].t).toBeNull();
    expect((await call('DELETE', `/table/parent?schema=${S}&cascade=true`)).status).toBe(200);
    const fks = await db().query(`SELECT 1 FROM pg_constraint WHERE conrelid = '${S}.child'::regclass AND contype = 'f'`);
    expect(fks.rowCount).toBe(0);
  });

  it('answers 404 for an unknown table and 400 for a system schema', async () => {
    expectEnvelope(await call('DELETE', `/table/nope?schema=${S}`), notFound('nope'));
    expectEnvelope(await call('DELETE', '/table/pg_class?schema=pg_catalog'), systemSchema('pg_catalog'));
  });
});

describe('POST /api/table/:name/clone', () => {
  it('clones structure only by default, and with copyData the rows too (identity and generated columns handled)', async () => {
    await db().query(`CREATE TABLE ${S}.src (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL DEFAULT 'x', twice int GENERATED ALWAYS AS (id * 2) STORED);
      INSERT INTO ${S}.src (name) VALUES ('a'), ('b'), ('c')`);
    const bare = await call('POST', '/table/src/clone', { newTableName: 'src_shape', schema: S });
    expect(bare.status).toBe(201);
    expect(bare.json()).toEqual({ success: true, message: 'Table "src_shape" created successfully' });
    expect((await db().query(`SELECT count(*)::int AS n FROM ${S}.src_shape`)).rows[0].n).toBe(0);

    const full = await call('POST', '/table/src/clone', { newTableName: 'src_copy', copyData: true, schema: S });
    expect(full.status, full.text).toBe(201);
    expect(full.json().message).toBe('Table "src_copy" created successfully with data');
    expect((await db().query(`SELECT id, name, twice FROM ${S}.src_copy ORDER BY id`)).rows).toEqual([
      { id: 1, name: 'a', twice: 2 },
      { id: 2, name: 'b', twice: 4 },
      { id: 3, name: 'c', twice: 6 },
    ]);
    // INCLUDING ALL: primary key and defaults came along; the identity continues after the copied rows.
    const next = await db().query(`INSERT INTO ${S}.src_copy DEFAULT VALUES RETURNING id, name`);
    expect(next.rows[0]).toEqual({ id: 4, name: 'x' });
  });

  it('answers 404 for a missing source and 400 for an existing target or a bad name', async () => {
    expectEnvelope(await call('POST', '/table/nope/clone', { newTableName: 'whatever', schema: S }), notFound('nope'));
    expectEnvelope(await call('POST', '/table/people/clone', { newTableName: 'empty', schema: S }), {
      error: 'TABLE_EXISTS',
      message: `Table "empty" already exists in schema "${S}"`,
      statusCode: 400,
      nextActions: 'Choose another table name, or delete the existing table first (DELETE /api/table/:tableName)',
    });
    for (const name of ['1abc', 'a-b', 'x'.repeat(64)]) {
      const message = `newTableName '${name}' is not valid: use letters, digits and underscores, start with a letter or underscore, at most 63 characters`;
      expectEnvelope(await call('POST', '/table/people/clone', { newTableName: name, schema: S }), invalid(message), name);
    }
    expectEnvelope(await call('POST', '/table/people/clone', { schema: S }), invalid('newTableName is required'));
    expectEnvelope(await call('POST', '/table/people/clone', { newTableName: 'ok_name', copyData: 'yes', schema: S }), invalid('copyData must be a boolean'));
    expect((await db().query(`SELECT to_regclass('${S}.ok_name') IS NULL AS gone`)).rows[0].gone).toBe(true);
  });
});

describe('POST /api/table/:name/column', () => {
  it('adds a column with type, length, nullability and default', async () => {
    const res = await call('POST', '/table/people/column', { columnName: 'phone', dataType: 'VARCHAR', length: 20, nullable: true, defaultValue: null, schema: S });
    expect(res.status).toBe(201);
    expect(res.json()).toEqual({ success: true, message: 'Column "phone" added to table "people" successfully' });
    const note = await call('POST', '/table/people/column', { columnName: 'note', dataType: 'text', nullable: false, defaultValue: "it's; fine", schema: S });
    expect(note.status, note.text).toBe(201);
    const cols = (await columnsOf('people')).filter((c) => ['phone', 'note'].includes(c.column_name));
    expect(cols).toEqual([
      { column_name: 'phone', data_type: 'character varying', len: 20, prec: null, scale: null, is_nullable: 'YES', column_default: null },
      { column_name: 'note', data_type: 'text', len: null, prec: null, scale: null, is_nullable: 'NO', column_default: `'it''s; fine'::text` },
    ]);
    expect((await db().query(`SELECT DISTINCT note FROM ${S}.people`)).rows).toEqual([{ note: "it's; fine" }]);
  });

  it('answers 404 for a missing table, 400 for an existing column, a bad type or name', async () => {
    expectEnvelope(await call('POST', '/table/nope/column', { columnName: 'x', dataType: 'text', schema: S }), notFound('nope'));
    const dup = await call('POST', '/table/people/column', { columnName: 'name', dataType: 'text', schema: S });
    expect(dup.status).toBe(400);
    expect(dup.json().error).toBe('COLUMN_EXISTS');
    const bad = await call('POST', '/table/people/column', { columnName: 'x', dataType: 'nosuchtype', schema: S });
    expect(bad.status).toBe(400);
    expect(bad.json().error).toBe('INVALID_TYPE');
    expectEnvelope(await call('POST', '/table/people/column', { columnName: 'x', schema: S }), invalid('dataType is required (e.g. text, integer, varchar)'));
    expectEnvelope(
      await call('POST', '/table/people/column', { columnName: 'a-b', dataType: 'text', schema: S }),
      invalid("columnName 'a-b' is not valid: use letters, digits and underscores, start with a letter or underscore, at most 63 characters"),
    );
    // NOT NULL without a default on a table with rows: PostgreSQL's refusal, as 400
    const nn = await call('POST', '/table/people/column', { columnName: 'must', dataType: 'int', nullable: false, schema: S });
    expectEnvelope(nn, {
      error: 'INVALID_INPUT',
      message: 'Cannot add column "must": column "must" of relation "people" contains null values',
      statusCode: 400,
      nextActions: 'Fix the values according to the PostgreSQL error message',
      code: '23502',
    });
    expect((await columnsOf('people')).map((c) => c.column_name)).not.toContain('must');
  });
});

describe('GET /api/table/:name/export', () => {
  beforeAll(async () => {
    await db().query(`CREATE TABLE ${S}.exp (id int PRIMARY KEY, label text, big bigint, doc jsonb);
      INSERT INTO ${S}.exp VALUES (1, 'plain', 9007199254740993, '{"k": [1]}'), (2, E'comma, "quote"\\nnewline', NULL, NULL), (3, E'tab\\there ☃', 1, 'null')`);
  });

  it('exports JSON as {table, count, data}, streamed, exact values', async () => {
    const res = await call('GET', `/table/exp/export?schema=${S}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="exp.json"');
    const body = res.json();
    expect(body).toEqual({
      table: 'exp',
      count: 3,
      data: [
        { id: 1, label: 'plain', big: 9007199254740992, doc: { k: [1] } },
        { id: 2, label: 'comma, "quote"\nnewline', big: null, doc: null },
        { id: 3, label: 'tab\there ☃', big: 1, doc: null },
      ],
    });
    expect(res.text).toContain('"big":9007199254740993');
  });

  it('exports JSON of tables with columns named x, t and id (the row alias cannot collide with a column)', async () => {
    await db().query(`CREATE TABLE ${S}.xt (id int PRIMARY KEY, x int, t text);
      INSERT INTO ${S}.xt VALUES (1, 10, 'a'), (2, NULL, 'b'), (3, -3, NULL);
      CREATE TABLE ${S}.x (x jsonb, t int);
      INSERT INTO ${S}.x VALUES ('{"x": 1}', 7)`);
    const res = await call('GET', `/table/xt/export?format=json&schema=${S}`);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.json()).toEqual({
      table: 'xt',
      count: 3,
      data: [
        { id: 1, x: 10, t: 'a' },
        { id: 2, x: null, t: 'b' },
        { id: 3, x: -3, t: null },
      ],
    });
    const limited = await call('GET', `/table/xt/export?format=json&limit=1&schema=${S}`);
    expect(limited.json()).toEqual({ table: 'xt', count: 1, data: [{ id: 1, x: 10, t: 'a' }] });
    const other = await call('GET', `/table/x/export?schema=${S}`);
    expect(other.status, other.text).toBe(200);
    expect(other.json()).toEqual({ table: 'x', count: 1, data: [{ x: { x: 1 }, t: 7 }] });
  });

  it('exports CSV with a header row and proper quoting; limit caps the rows', async () => {
    const res = await call('GET', `/table/exp/export?format=csv&schema=${S}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.text).toBe(`id,label,big,doc\n1,plain,9007199254740993,"{""k"": [1]}"\n2,"comma, ""quote""\nnewline",,\n3,tab\there ☃,1,null\n`);
    const two = await call('GET', `/table/exp/export?format=json&limit=2&schema=${S}`);
    expect(two.json().count).toBe(2);
    expect(two.json().data.map((r: { id: number }) => r.id)).toEqual([1, 2]);
  });

  it('answers 404 "No data to export" for an empty table, 404 for a missing one, 400 for bad parameters', async () => {
    expectEnvelope(await call('GET', `/table/empty/export?schema=${S}`), {
      error: 'NO_DATA',
      message: 'No data to export: table "empty" is empty',
      statusCode: 404,
      nextActions: 'The table has no rows to export',
    });
    expectEnvelope(await call('GET', `/table/nope/export?schema=${S}`), notFound('nope'));
    const bad: [string, string][] = [
      ['format=xml', "format must be json or csv, got 'xml'"],
      ['limit=0', "limit must be a positive integer, got '0'"],
      ['limit=abc', "limit must be a positive integer, got 'abc'"],
    ];
    for (const [q, message] of bad) expectEnvelope(await call('GET', `/table/exp/export?schema=${S}&${q}`), invalid(message), q);
  });

  it('exports more than 10000 rows through an export job: 202 with the job location, the file from /api/jobs/:id/result', async () => {
    await db().query(`CREATE TABLE ${S}.many (id int PRIMARY KEY, v text); INSERT INTO ${S}.many SELECT g, 'v' || g FROM generate_series(1, 10050) g`);
    const small = await call('GET', `/table/many/export?schema=${S}`);
    expect(small.json().count).toBe(10000);
    const res = await call('GET', `/table/many/export?schema=${S}&limit=10040`);
    expect(res.status).toBe(202);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/api\/jobs\/[0-9a-f-]{36}$/);
    expect(res.json()).toMatchObject({ type: 'export', id: location.split('/').pop() });
    const done = await poll(async () => {
      const st = (await call('GET', location.replace('/api', ''))).json();
      return st.state === 'completed' || st.state === 'failed' ? st : undefined;
    }, 'the export job', 30_000, 100);
    expect(done.state).toBe('completed');
    expect(done.result.rows).toBe(10040);
    const file = await call('GET', `${location.replace('/api', '')}/result`);
    expect(file.status).toBe(200);
    const rows = file.json().many;
    expect(rows).toHaveLength(10040);
    expect(rows[10039]).toEqual({ id: 10040, v: 'v10040' });
  });

  it('exports more than 10000 rows as CSV through a job too: a header line, then one line per row', async () => {
    const res = await call('GET', `/table/many/export?schema=${S}&format=csv&limit=10045`);
    expect(res.status).toBe(202);
    const location = res.headers.get('location')!;
    const done = await poll(async () => {
      const st = (await call('GET', location.replace('/api', ''))).json();
      return st.state === 'completed' || st.state === 'failed' ? st : undefined;
    }, 'the CSV export job', 30_000, 100);
    expect(done.state).toBe('completed');
    expect(done.result.rows).toBe(10045);
    const file = await fetch(`${apiUrl}${location}/result`, { headers: { Authorization: adminAuth } });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await file.text()).trimEnd().split('\n');
    expect(lines[0]).toBe('id,v');
    expect(lines).toHaveLength(10046);
    expect(new Set(lines.slice(1)).size).toBe(10045);
    expect(lines).toContain('10045,v10045');
  });
});
