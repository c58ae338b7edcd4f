/**
 * Schemas as projects are tenants of the main database (docs/security.md, "Schema tenants").
 * Each attack is made as a tenant would make it: as the schema's owner login, through the
 * real API. After each, what must not have changed is checked with the test's superuser:
 * role attributes and the other tenant's rows.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, databaseUrl, db, restUrl } from '../support/env.ts';
import { poll } from '../support/processes.ts';

const tag = `${process.pid}`;
const A = `sec_acme_${tag}`;
const B = `sec_other_${tag}`;
const PASSWORD = 'tenant-password-1';
const SECRET = 'other-tenant-secret';

const admin = (method: string, path: string, body?: unknown) =>
  fetch(`${apiUrl}/api${path}`, {
    method,
    headers: { Authorization: adminAuth, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** A session as a tenant's owner login. */
async function asOwner(schema: string, sql: string): Promise<void> {
  const u = new URL(databaseUrl);
  u.username = `${schema}_user`;
  u.password = PASSWORD;
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

const isSuper = async (role: string) => (await db().query(`SELECT rolsuper FROM pg_roles WHERE rolname = $1`, [role])).rows[0]?.rolsuper;
const otherRows = async () => (await db().query(`SELECT id, secret FROM ${B}.customers ORDER BY id`)).rows;
/** What the tenant's trap saw: who ran it, in which session, and whether that was a superuser. */
const seen = async () => (await db().query<{ who: string; sess: string; su: boolean }>(`SELECT who, sess, su FROM ${A}.seen`)).rows;

const rpc = (fn: string, args: unknown, headers: Record<string, string> = {}) =>
  fetch(`${restUrl}/rpc/${fn}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Profile': A, ...headers }, body: JSON.stringify(args) });

beforeAll(async () => {
  for (const s of [A, B]) expect((await admin('POST', '/schema/create', { schemaName: s, password: PASSWORD })).status).toBe(201);
  await asOwner(
    B,
    `CREATE TABLE ${B}.customers (id int PRIMARY KEY, secret text);
     INSERT INTO ${B}.customers VALUES (1, '${SECRET}');
     ALTER TABLE ${B}.customers ENABLE ROW LEVEL SECURITY;`,
  );
  // The trap: records who runs it, and tries to make its owner a superuser (works only if its caller is one).
  await asOwner(
    A,
    `CREATE TABLE ${A}.seen (who text, sess text, su boolean);
     GRANT INSERT ON ${A}.seen TO PUBLIC;
     CREATE FUNCTION ${A}.trap() RETURNS int LANGUAGE plpgsql AS $f$
     BEGIN
       BEGIN
         INSERT INTO ${A}.seen SELECT current_user, session_user, (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user);
       EXCEPTION WHEN read_only_sql_transaction THEN NULL;
       END;
       BEGIN EXECUTE format('ALTER ROLE %I SUPERUSER', '${A}_user'); EXCEPTION WHEN others THEN NULL; END;
       RETURN 1;
     END $f$;
     CREATE FUNCTION ${A}.trap_trigger() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN PERFORM ${A}.trap(); RETURN coalesce(NEW, OLD); END $f$;
     CREATE FUNCTION ${A}.trap_imm(x int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $f$ BEGIN PERFORM ${A}.trap(); RETURN x; END $f$;
     CREATE TABLE ${A}.items (id int PRIMARY KEY, name text);
     CREATE TRIGGER t BEFORE INSERT OR UPDATE OR DELETE ON ${A}.items FOR EACH ROW EXECUTE FUNCTION ${A}.trap_trigger();
     -- In a read-only transaction nothing can be written, but a superuser could still read server files.
     CREATE FUNCTION ${A}.leak() RETURNS text LANGUAGE plpgsql AS $f$
     BEGIN RETURN pg_catalog.pg_read_file('/etc/hostname'); EXCEPTION WHEN others THEN RETURN 'denied'; END $f$;
     CREATE VIEW ${A}.items_view AS SELECT i.*, ${A}.trap() AS t FROM ${A}.items i;
     CREATE VIEW ${A}.leaky_view AS SELECT i.*, ${A}.leak() AS leak FROM ${A}.items i;
     CREATE TABLE ${A}.generated (id int PRIMARY KEY, g int GENERATED ALWAYS AS (${A}.trap_imm(id)) STORED);
     INSERT INTO ${A}.generated (id) VALUES (1);
     -- Reads another tenant's rows after switching to a role named by the caller.
     CREATE FUNCTION ${A}.peek_as(r text) RETURNS SETOF text LANGUAGE plpgsql AS $f$
     BEGIN
       PERFORM pg_catalog.set_config('role', r, true);
       RETURN QUERY EXECUTE format('SELECT secret FROM %I.customers', '${B}');
     END $f$;
     CREATE FUNCTION ${A}.peek_set_role(r text) RETURNS SETOF text LANGUAGE plpgsql AS $f$
     BEGIN
       EXECUTE format('SET LOCAL ROLE %I', r);
       RETURN QUERY EXECUTE format('SELECT secret FROM %I.customers', '${B}');
     END $f$;`,
  );
  await db().query(`TRUNCATE ${A}.seen`);
  // The data API serves the new schemas once its cache has reloaded.
  await poll(async () => ((await rpc('peek_as', { r: 'x' })).status !== 404 ? true : undefined), 'the tenant to be served', 10_000, 50);
}, 60_000);

afterAll(async () => {
  for (const s of [A, B]) await admin('DELETE', `/schema/${s}?cascade=true`);
});

describe('schema tenants: one authenticator per tenant', () => {
  it("a tenant's data API session runs under the tenant's own login, as the tenant's own anon role", async () => {
    await asOwner(A, `CREATE FUNCTION ${A}.whoami() RETURNS jsonb LANGUAGE sql AS $$ SELECT jsonb_build_object('cur', current_user, 'sess', session_user) $$`);
    const r = await poll(async () => {
      const res = await rpc('whoami', {});
      return res.status === 200 ? res : undefined;
    }, 'whoami to be served', 10_000, 50);
    expect(await r.json()).toEqual({ cur: `${A}_anon`, sess: `${A}_authenticator` });
  });

  it("the tenant's login holds only the tenant's own roles", async () => {
    const { rows } = await db().query(
      `SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles l ON l.oid = m.member WHERE l.rolname = $1 ORDER BY 1`,
      [`${A}_authenticator`],
    );
    expect(rows.map((x) => x.rolname)).toEqual([`${A}_anon`, `${A}_authenticated`, `${A}_service_role`, `${A}_user`].sort());
    const attrs = (await db().query(`SELECT rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles WHERE rolname = $1`, [`${A}_authenticator`])).rows[0];
    expect(attrs).toEqual({ rolsuper: false, rolinherit: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false });
  });

  const everyRole = async () => {
    const held = (
      await db().query(`SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles l ON l.oid = m.member WHERE l.rolname = $1`, [`${A}_authenticator`])
    ).rows.map((x) => x.rolname as string);
    // The roles that reach the other tenant or the whole server, plus every role the login holds.
    return [...new Set(['service_role', 'authenticated', 'anon', 'authenticator', 'postgres', `${B}_service_role`, `${B}_user`, `${B}_authenticator`, ...held])];
  };

  for (const fn of ['peek_as', 'peek_set_role']) {
    it(`${fn}: an anonymous call that switches role (to every role it can name) never reads the other tenant's rows`, async () => {
      for (const role of await everyRole()) {
        const r = await rpc(fn, { r: role });
        const text = await r.text();
        expect(r.status, `${fn}(${role}): ${text}`).toBeGreaterThanOrEqual(400);
        expect(r.status, `${fn}(${role}): ${text}`).toBeLessThan(500);
        expect(text).not.toContain(SECRET);
      }
      expect(await otherRows()).toEqual([{ id: 1, secret: SECRET }]);
    });
  }

  it("a token for the server-wide service_role reaches the tenant only as the tenant's service role", async () => {
    const { TEST_JWT_SECRET } = await import('../support/env.ts');
    const { SignJWT } = await import('jose');
    const token = await new SignJWT({ role: 'service_role' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const r = await rpc('peek_as', { r: `${A}_service_role` }, { Authorization: `Bearer ${token}` });
    expect(r.status).toBe(403);
    expect(await r.text()).not.toContain(SECRET);
  });

  it("the server-wide data API roles have no rights on a project schema", async () => {
    const { rows } = await db().query(
      `SELECT r AS role, has_schema_privilege(r, $1, 'USAGE') AS usage, has_table_privilege(r, $2, 'SELECT') AS reads
         FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) r`,
      [B, `${B}.customers`],
    );
    expect(rows.every((x) => !x.usage && !x.reads)).toBe(true);
  });
});

describe('schema tenants: admin actions on tenant objects run with the tenant’s rights', () => {
  const check = async (what: string) => {
    expect(await isSuper(`${A}_user`), what).toBe(false);
    const rows = await seen();
    expect(rows.length, `${what}: the trap ran`).toBeGreaterThan(0);
    for (const row of rows) expect(row, what).toEqual({ who: `${A}_user`, sess: `${A}_authenticator`, su: false });
    await db().query(`TRUNCATE ${A}.seen`);
  };

  it('inserting a row (its trigger runs as the tenant)', async () => {
    const r = await admin('POST', `/table/items/row?schema=${A}`, { schema: A, data: { id: 1, name: 'one' } });
    expect(r.status).toBe(201);
    await check('row insert');
  });

  it('updating and deleting a row', async () => {
    expect((await admin('PATCH', `/table/items/1?schema=${A}`, { schema: A, column: 'name', value: 'uno' })).status).toBe(200);
    await check('row update');
    expect((await admin('POST', '/table/items/row?schema=' + A, { schema: A, data: { id: 2, name: 'two' } })).status).toBe(201);
    await db().query(`TRUNCATE ${A}.seen`);
    expect((await admin('DELETE', `/table/items/row/2?schema=${A}`)).status).toBe(200);
    await check('row delete');
    expect((await admin('POST', `/table/items/rows/delete?schema=${A}`, { schema: A, rowIds: [1] })).status).toBe(200);
    await check('bulk row delete');
  });

  it('paging through a view that calls tenant functions', async () => {
    // Arranged by the test's superuser with triggers off, so the trap does not fire here.
    await db().query(`BEGIN; SET LOCAL session_replication_role = replica; INSERT INTO ${A}.items VALUES (5, 'five'); COMMIT`);
    await db().query(`TRUNCATE ${A}.seen`);
    const r = await admin('GET', `/table/items_view?schema=${A}`);
    expect(r.status).toBe(200);
    expect((await r.json()).data).toEqual([{ id: 5, name: 'five', t: 1 }]);
    await check('paging a view');
  });

  it('exporting a view that calls tenant functions (CSV and JSON): no server file reaches the tenant', async () => {
    for (const format of ['csv', 'json']) {
      const r = await admin('GET', `/table/leaky_view/export?schema=${A}&format=${format}`);
      expect(r.status).toBe(200);
      const text = await r.text();
      expect(text).toContain('five');
      expect(text).toContain('denied');
    }
    expect(await isSuper(`${A}_user`)).toBe(false);
  });

  it('paging through a view that reads server files', async () => {
    const r = await admin('GET', `/table/leaky_view?schema=${A}`);
    expect(r.status).toBe(200);
    expect((await r.json()).data).toEqual([{ id: 5, name: 'five', leak: 'denied' }]);
  });

  it('cloning a table with a generated column, data included', async () => {
    await db().query(`TRUNCATE ${A}.seen`);
    const r = await admin('POST', `/table/generated/clone`, { schema: A, newTableName: 'generated_copy', copyData: true });
    expect(r.status).toBe(201);
    expect((await db().query(`SELECT id, g FROM ${A}.generated_copy`)).rows).toEqual([{ id: 1, g: 1 }]);
    expect((await db().query(`SELECT relowner::regrole::text AS o FROM pg_class WHERE oid = '${A}.generated_copy'::regclass`)).rows[0].o).toBe(`${A}_user`);
    await check('clone with data');
  });

  it('creating a table in the tenant schema, with the tenant shadowing format_type and the typmod function', async () => {
    await asOwner(
      A,
      `CREATE FUNCTION ${A}.format_type(oid, integer) RETURNS text LANGUAGE plpgsql AS $f$ BEGIN PERFORM ${A}.trap(); RETURN pg_catalog.format_type($1, $2); END $f$;
       CREATE FUNCTION ${A}.format_type(oid, smallint) RETURNS text LANGUAGE plpgsql AS $f$ BEGIN PERFORM ${A}.trap(); RETURN pg_catalog.format_type($1, $2); END $f$;
       CREATE FUNCTION ${A}.varchartypmodin(cstring[]) RETURNS integer LANGUAGE plpgsql AS $f$ BEGIN PERFORM ${A}.trap(); RETURN pg_catalog.varchartypmodin($1); END $f$;
       CREATE FUNCTION ${A}.quote_literal(text) RETURNS text LANGUAGE plpgsql AS $f$ BEGIN PERFORM ${A}.trap(); RETURN pg_catalog.quote_literal($1); END $f$;`,
    );
    await db().query(`TRUNCATE ${A}.seen`);
    const r = await admin('POST', '/table/create', {
      schema: A,
      tableName: 'made_by_admin',
      columns: [
        { name: 'id', type: 'int', primaryKey: true },
        { name: 'v', type: 'varchar', length: 20, defaultValue: 'x' },
      ],
    });
    expect(r.status).toBe(201);
    expect(await isSuper(`${A}_user`)).toBe(false);
    // Whatever of the tenant's code ran, it ran as the tenant.
    for (const row of await seen()) expect(row).toEqual({ who: `${A}_user`, sess: `${A}_authenticator`, su: false });
    await db().query(`TRUNCATE ${A}.seen`);
  });

  it('a bulk upsert into a tenant table (its trigger runs in the worker as the tenant)', async () => {
    await db().query(`TRUNCATE ${A}.seen`);
    const form = new FormData();
    form.append('file', new Blob(['id,name\n10,ten\n11,eleven\n'], { type: 'text/csv' }), 'items.csv');
    form.append('table', 'items');
    form.append('schema', A);
    form.append('upsertKey', 'id');
    const r = await fetch(`${apiUrl}/api/database/advance/bulk-upsert`, { method: 'POST', headers: { Authorization: adminAuth }, body: form });
    expect(r.status, await r.clone().text()).toBe(200);
    expect(await r.json()).toEqual({ rowsAffected: 2, totalRecords: 2, table: 'items' });
    await check('bulk upsert');
  });

  it('an export job of a tenant view that reads server files (worker, JSON)', async () => {
    const r = await admin('POST', '/database/advance/export', { schema: A, tables: ['leaky_view'], format: 'json' });
    expect(r.status, await r.clone().text()).toBe(200);
    const text = JSON.stringify(await r.json());
    expect(text).toContain('denied');
    expect(await isSuper(`${A}_user`)).toBe(false);
  });

  it('POST /api/query in a tenant schema runs as the tenant: its shadowing operator and functions get no more', async () => {
    await asOwner(
      A,
      `CREATE FUNCTION ${A}.int_eq_trap(int, numeric) RETURNS boolean LANGUAGE plpgsql AS $f$ BEGIN PERFORM ${A}.trap(); RETURN $1 OPERATOR(pg_catalog.=) $2; END $f$;
       -- An exact match for int = numeric, which pg_catalog only serves through a cast: it wins.
       CREATE OPERATOR ${A}.= (LEFTARG = int, RIGHTARG = numeric, FUNCTION = ${A}.int_eq_trap);`,
    );
    await db().query(`TRUNCATE ${A}.seen`);
    const r = await admin('POST', '/query', { schema: A, sql: `SELECT count(*)::int AS n FROM generated WHERE id = 1.0` });
    expect(r.status, await r.clone().text()).toBe(200);
    expect((await r.json()).rows).toEqual([{ n: 1 }]);
    await check('admin query');
  });

  it('nothing above reached the other tenant', async () => {
    expect(await otherRows()).toEqual([{ id: 1, secret: SECRET }]);
    expect(await isSuper(`${A}_user`)).toBe(false);
  });
});
