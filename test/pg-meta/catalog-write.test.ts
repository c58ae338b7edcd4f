import { afterAll, describe, expect, it } from 'vitest';
import { db } from '../support/env.ts';
import { meta } from './support.ts';

// Every object this file creates lives in (or is named after) this schema.
const S = `meta_w_${process.pid}`;
const ROLE = `${S}_role`;
const one = async (sql: string, params: unknown[] = []) => (await db().query(sql, params)).rows[0];
const ok = async (method: string, path: string, body?: unknown, params?: Record<string, string>) => {
  const r = await meta(method, path, { body, params });
  if (r.status !== 200) throw new Error(`${method} ${path} → ${r.status}: ${r.text}`);
  return r.json();
};

afterAll(async () => {
  await db().query(`DROP SCHEMA IF EXISTS ${S} CASCADE; DROP SCHEMA IF EXISTS ${S}_renamed CASCADE; DROP SCHEMA IF EXISTS ${S}_moved CASCADE`);
  await db().query(`DROP ROLE IF EXISTS ${ROLE}; DROP ROLE IF EXISTS ${ROLE}_2`);
});

describe('schemas', () => {
  it('create, rename, change owner and drop', async () => {
    const created = await ok('POST', '/schemas', { name: S });
    expect(created).toMatchObject({ id: expect.any(Number), name: S, owner: expect.any(String) });
    expect(await one(`SELECT oid::int8 AS id FROM pg_namespace WHERE nspname = $1`, [S])).toEqual({ id: String(created.id) });

    const again = await meta('POST', '/schemas', { body: { name: S } });
    expect(again.status).toBe(400);
    expect(again.json()).toMatchObject({ error: `schema "${S}" already exists`, code: '42P06' });

    const tmp = await ok('POST', '/schemas', { name: `${S}_tmp` });
    const renamed = await ok('PATCH', `/schemas/${tmp.id}`, { name: `${S}_renamed` });
    expect(renamed).toMatchObject({ id: tmp.id, name: `${S}_renamed` });
    expect(await one(`SELECT nspname FROM pg_namespace WHERE oid = $1`, [tmp.id])).toEqual({ nspname: `${S}_renamed` });

    await db().query(`CREATE TABLE ${S}_renamed.t (a int)`);
    const refused = await meta('DELETE', `/schemas/${tmp.id}`);
    expect(refused.status).toBe(400);
    expect(refused.json()).toEqual({
      error: `cannot drop schema ${S}_renamed because other objects depend on it`,
      code: '2BP01',
      detail: `table ${S}_renamed.t depends on schema ${S}_renamed`,
      hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
    });
    expect(await ok('DELETE', `/schemas/${tmp.id}`, undefined, { cascade: 'true' })).toMatchObject({ name: `${S}_renamed` });
    expect(await one(`SELECT count(*)::int AS n FROM pg_namespace WHERE oid = $1`, [tmp.id])).toEqual({ n: 0 });
    const gone = await meta('DELETE', `/schemas/${tmp.id}`);
    expect(gone.status).toBe(404);
    expect(gone.json()).toEqual({ error: `Cannot find a schema with ID ${tmp.id}` });
  });

  it('refuses bad bodies with 400', async () => {
    const cases: [unknown, string][] = [
      [{}, 'name: Invalid input: expected string, received undefined'],
      [{ name: '' }, 'name: Too small: expected string to have >=1 characters'],
      [{ name: 5 }, 'name: Invalid input: expected string, received number'],
      [{ name: S, owner: 7 }, 'owner: Invalid input: expected string, received number'],
    ];
    for (const [body, error] of cases) {
      const r = await meta('POST', '/schemas', { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json(), JSON.stringify(body)).toEqual({ error });
    }
    const badJson = await fetch(`${(await import('../support/env.ts')).apiUrl}/schemas`, {
      method: 'POST',
      headers: { Authorization: (await import('../support/env.ts')).adminAuth, 'Content-Type': 'application/json' },
      body: '{nope',
    });
    expect(badJson.status).toBe(400);
    expect((await badJson.json()).error).toMatch(/^Invalid JSON in the request body/);
  });
});

describe('tables and columns', () => {
  it('creates a table with a comment; quoted identifiers survive', async () => {
    await db().query(`CREATE SCHEMA IF NOT EXISTS ${S}`);
    const name = 'Weird "name"; DROP TABLE x';
    const t = await ok('POST', '/tables', { schema: S, name, comment: "it's commented" });
    expect(t).toMatchObject({ schema: S, name, comment: "it's commented", columns: [], rls_enabled: false });
    expect(await one(`SELECT obj_description($1::oid, 'pg_class') AS c, relname FROM pg_class WHERE oid = $1`, [t.id])).toEqual({ c: "it's commented", relname: name });
    const dup = await meta('POST', '/tables', { body: { schema: S, name } });
    expect(dup.status).toBe(400);
    expect(dup.json()).toMatchObject({ code: '42P07', error: expect.stringContaining('already exists') });
  });

  it('adds, changes and drops columns; updates the table (rls, primary key, rename, schema)', async () => {
    await db().query(`CREATE SCHEMA IF NOT EXISTS ${S}; CREATE SCHEMA IF NOT EXISTS ${S}_moved`);
    const t = await ok('POST', '/tables', { schema: S, name: 'items' });
    const idCol = await ok('POST', '/columns', { table_id: t.id, name: 'id', type: 'int8', is_identity: true, identity_generation: 'ALWAYS', is_primary_key: true });
    expect(idCol).toMatchObject({ id: `${t.id}.1`, name: 'id', format: 'int8', is_identity: true, identity_generation: 'ALWAYS', is_nullable: false });
    const label = await ok('POST', '/columns', { table_id: t.id, name: 'label', type: 'varchar(20)', default_value: "it's", is_nullable: false, is_unique: true, comment: 'A label', check: 'length(label) > 0' });
    expect(label).toMatchObject({ name: 'label', data_type: 'character varying', default_value: "'it''s'::character varying", is_nullable: false, is_unique: true, comment: 'A label', check: 'CHECK (length(label::text) > 0)' });
    const at = await ok('POST', '/columns', { table_id: t.id, name: 'at', type: 'timestamptz', default_value: 'now()', default_value_format: 'expression' });
    expect(at.default_value).toBe('now()');

    const changed = await ok('PATCH', `/columns/${label.id}`, { name: 'title', type: 'text', drop_default: true, is_nullable: true, is_unique: false, check: null, comment: 'Title' });
    expect(changed).toMatchObject({ id: label.id, name: 'title', data_type: 'text', default_value: null, is_nullable: true, is_unique: false, check: null, comment: 'Title' });
    expect(await one(`SELECT count(*)::int AS n FROM pg_constraint WHERE conrelid = $1 AND contype IN ('u', 'c')`, [t.id])).toEqual({ n: 0 });

    const updated = await ok('PATCH', `/tables/${t.id}`, { rls_enabled: true, rls_forced: true, replica_identity: 'FULL', comment: 'Items', primary_keys: [{ name: 'id' }, { name: 'title' }] });
    expect(updated).toMatchObject({ rls_enabled: true, rls_forced: true, replica_identity: 'FULL', comment: 'Items' });
    expect(updated.primary_keys.map((k: any) => k.name)).toEqual(['id', 'title']);
    const moved = await ok('PATCH', `/tables/${t.id}`, { name: 'things', schema: `${S}_moved` });
    expect(moved).toMatchObject({ id: t.id, name: 'things', schema: `${S}_moved` });
    expect(await one(`SELECT $1::oid::regclass::text AS r`, [t.id])).toEqual({ r: `${S}_moved.things` });

    expect(await ok('DELETE', `/columns/${at.id}`)).toMatchObject({ name: 'at' });
    expect(await one(`SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = $1 AND attname = 'at' AND NOT attisdropped`, [t.id])).toEqual({ n: 0 });
    const noColumn = await meta('PATCH', `/columns/${at.id}`, { body: { name: 'x' } });
    expect(noColumn.status).toBe(404);
    expect(noColumn.json()).toEqual({ error: `Cannot find a column with ID ${at.id}` });

    expect(await ok('DELETE', `/tables/${t.id}`)).toMatchObject({ name: 'things' });
    expect(await one(`SELECT to_regclass($1) AS r`, [`${S}_moved.things`])).toEqual({ r: null });
    const noTable = await meta('DELETE', `/tables/${t.id}`);
    expect(noTable.status).toBe(404);
    expect(noTable.json()).toEqual({ error: `Cannot find a table with ID ${t.id}` });
  });

  it('refuses SQL smuggled into types, defaults and checks with 400 and changes nothing', async () => {
    await db().query(`CREATE SCHEMA IF NOT EXISTS ${S}`);
    const t = await ok('POST', '/tables', { schema: S, name: 'guarded' });
    const cases: [unknown, string][] = [
      [{ table_id: t.id, name: 'a', type: 'int; DROP TABLE meta_fixture.owners' }, 'Invalid type "int; DROP TABLE meta_fixture.owners": it is not a type name'],
      [{ table_id: t.id, name: 'a', type: 'int --' }, 'Invalid type "int --": comments are not allowed'],
      [
        { table_id: t.id, name: 'a', type: 'int', default_value: '1); DROP TABLE meta_fixture.owners; SELECT (1', default_value_format: 'expression' },
        'Invalid default_value "1); DROP TABLE meta_fixture.owners; SELECT (1": it is not a single expression',
      ],
      [
        { table_id: t.id, name: 'a', type: 'int', check: 'true) NOT VALID; DROP TABLE meta_fixture.owners; --' },
        'Invalid check "true) NOT VALID; DROP TABLE meta_fixture.owners; --": comments are not allowed',
      ],
    ];
    for (const [body, error] of cases) {
      const r = await meta('POST', '/columns', { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json(), JSON.stringify(body)).toEqual({ error });
    }
    // A literal default is a value, whatever it holds.
    const lit = await ok('POST', '/columns', { table_id: t.id, name: 'b', type: 'text', default_value: "'); DROP TABLE meta_fixture.owners; --" });
    expect(lit.default_value).toBe(`'''); DROP TABLE meta_fixture.owners; --'::text`);
    expect(await one(`SELECT to_regclass('meta_fixture.owners') IS NOT NULL AS ok`)).toEqual({ ok: true });
    const unknownType = await meta('POST', '/columns', { body: { table_id: t.id, name: 'c', type: 'no_such_type' } });
    expect(unknownType.status).toBe(400);
    expect(unknownType.json()).toMatchObject({ code: '42704', error: 'type "no_such_type" does not exist' });
    const noTable = await meta('POST', '/columns', { body: { table_id: 4000000000, name: 'c', type: 'int' } });
    expect(noTable.status).toBe(404);
    expect(noTable.json()).toEqual({ error: 'Cannot find a table with ID 4000000000' });
    expect(await one(`SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped`, [t.id])).toEqual({ n: 1 });
  });
});

describe('policies', () => {
  it('create, update and drop', async () => {
    await db().query(`CREATE SCHEMA IF NOT EXISTS ${S}; CREATE TABLE IF NOT EXISTS ${S}.docs (owner text, body text)`);
    const p = await ok('POST', '/policies', { schema: S, table: 'docs', name: 'own docs', definition: 'owner = current_user', check: "body <> ''", command: 'UPDATE', roles: ['anon', 'authenticated'] });
    expect(p).toMatchObject({ schema: S, table: 'docs', name: 'own docs', action: 'PERMISSIVE', command: 'UPDATE', roles: ['anon', 'authenticated'], definition: '(owner = CURRENT_USER)', check: "(body <> ''::text)" });
    const u = await ok('PATCH', `/policies/${p.id}`, { name: 'docs_rule', definition: 'true', roles: ['public'] });
    expect(u).toMatchObject({ id: p.id, name: 'docs_rule', definition: 'true', roles: ['public'] });
    expect(await one(`SELECT polname FROM pg_policy WHERE oid = $1`, [p.id])).toEqual({ polname: 'docs_rule' });
    const smuggled = await meta('POST', '/policies', { body: { schema: S, table: 'docs', name: 'x', definition: 'true) WITH CHECK (true' } });
    expect(smuggled.status).toBe(400);
    expect(smuggled.json()).toEqual({ error: 'Invalid definition "true) WITH CHECK (true": syntax error at or near "WITH"' });
    expect(await ok('DELETE', `/policies/${p.id}`)).toMatchObject({ name: 'docs_rule' });
    expect(await one(`SELECT count(*)::int AS n FROM pg_policy WHERE oid = $1`, [p.id])).toEqual({ n: 0 });
  });
});

describe('roles', () => {
  it('create with a password and config, update, rename and drop', async () => {
    const password = "pa'ss\\word";
    const r = await ok('POST', '/roles', { name: ROLE, password, can_login: true, connection_limit: 3, config: { statement_timeout: '5s' } });
    expect(r).toMatchObject({ name: ROLE, can_login: true, connection_limit: 3, password: '********', config: { statement_timeout: '5s' } });
    const stored = await one(`SELECT rolpassword FROM pg_authid WHERE oid = $1`, [r.id]);
    expect(stored.rolpassword).toMatch(/^SCRAM-SHA-256\$/);
    const u = await ok('PATCH', `/roles/${r.id}`, { name: `${ROLE}_2`, can_create_db: true, can_login: false, config: [{ op: 'remove', path: 'statement_timeout' }, { op: 'add', path: 'search_path', value: 'public, extensions' }] });
    expect(u).toMatchObject({ id: r.id, name: `${ROLE}_2`, can_create_db: true, can_login: false, config: { search_path: 'public, extensions' } });
    const badConfig = await meta('PATCH', `/roles/${r.id}`, { body: { config: [{ op: 'add', path: 'a; DROP ROLE x', value: '1' }] } });
    expect(badConfig.status).toBe(400);
    expect(badConfig.json()).toEqual({ error: 'Invalid configuration parameter name "a; DROP ROLE x"' });
    expect(await ok('DELETE', `/roles/${r.id}`)).toMatchObject({ name: `${ROLE}_2` });
    expect(await one(`SELECT count(*)::int AS n FROM pg_roles WHERE oid = $1`, [r.id])).toEqual({ n: 0 });
  });
});

describe('extensions', () => {
  it('install into a schema, move, and drop', async () => {
    await db().query(`CREATE SCHEMA IF NOT EXISTS ${S}; CREATE SCHEMA IF NOT EXISTS ${S}_moved; DROP EXTENSION IF EXISTS seg`);
    const e = await ok('POST', '/extensions', { name: 'seg', schema: S });
    expect(e).toMatchObject({ name: 'seg', schema: S, installed_version: expect.any(String) });
    expect(await ok('PATCH', '/extensions/seg', { schema: `${S}_moved` })).toMatchObject({ schema: `${S}_moved` });
    expect(await one(`SELECT extnamespace::regnamespace::text AS s FROM pg_extension WHERE extname = 'seg'`)).toEqual({ s: `${S}_moved` });
    expect(await ok('DELETE', '/extensions/seg')).toMatchObject({ name: 'seg' });
    expect(await one(`SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'seg'`)).toEqual({ n: 0 });
    const notInstalled = await meta('DELETE', '/extensions/seg');
    expect(notInstalled.status).toBe(404);
    expect(notInstalled.json()).toEqual({ error: 'Extension seg is not installed' });
    const unknown = await meta('POST', '/extensions', { body: { name: 'no_such_ext' } });
    expect(unknown.status).toBe(400);
    expect(unknown.json()).toMatchObject({
      code: '0A000',
      error: 'extension "no_such_ext" is not available',
      detail: expect.stringMatching(/^Could not open extension control file ".*no_such_ext\.control": No such file or directory\.$/),
      hint: 'The extension must first be installed on the system where PostgreSQL is running.',
    });
  });
});

describe('functions', () => {
  it('create, replace the body, rename, move and drop', async () => {
    await db().query(`CREATE SCHEMA IF NOT EXISTS ${S}; CREATE SCHEMA IF NOT EXISTS ${S}_moved`);
    const f = await ok('POST', '/functions', {
      schema: S,
      name: 'times',
      args: ['a int', 'b int DEFAULT 2'],
      return_type: 'int',
      definition: "SELECT a * b -- it's fine",
      behavior: 'IMMUTABLE',
      config_params: { search_path: 'pg_catalog, public' },
    });
    expect(f).toMatchObject({ schema: S, name: 'times', language: 'sql', behavior: 'IMMUTABLE', argument_types: 'a integer, b integer DEFAULT 2', return_type: 'integer', config_params: { search_path: 'pg_catalog, public' } });
    expect(await one(`SELECT ${S}.times(3) AS v`)).toEqual({ v: 6 });
    const replaced = await ok('PATCH', `/functions/${f.id}`, { definition: 'SELECT a + b' });
    expect(replaced).toMatchObject({ id: f.id, definition: 'SELECT a + b', behavior: 'IMMUTABLE' });
    expect(await one(`SELECT ${S}.times(3) AS v`)).toEqual({ v: 5 });
    const moved = await ok('PATCH', `/functions/${f.id}`, { name: 'plus', schema: `${S}_moved` });
    expect(moved).toMatchObject({ id: f.id, name: 'plus', schema: `${S}_moved` });
    const set = await ok('POST', '/functions', { schema: S, name: 'evens', args: ['n int'], return_type: 'SETOF int', definition: 'SELECT g FROM generate_series(0, n, 2) g', language: 'sql' });
    expect(set).toMatchObject({ is_set_returning_function: true, return_type: 'SETOF integer' });
    expect((await meta('POST', '/functions', { body: { schema: S, name: 'x', args: ['a int) RETURNS int LANGUAGE sql AS $$SELECT 1$$; --'], definition: 'SELECT 1' } })).status).toBe(400);
    const broken = await meta('POST', '/functions', { body: { schema: S, name: 'broken', definition: 'SELECT nope FROM nowhere', return_type: 'int' } });
    expect(broken.status).toBe(400);
    expect(broken.json()).toMatchObject({ code: '42P01' });
    expect(await ok('DELETE', `/functions/${f.id}`)).toMatchObject({ name: 'plus' });
    expect(await one(`SELECT count(*)::int AS n FROM pg_proc WHERE oid = $1`, [f.id])).toEqual({ n: 0 });
  });
});
