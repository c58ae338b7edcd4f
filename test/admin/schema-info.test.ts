/** GET /api/schema: tables, columns and foreign keys of one schema, in the seed's shape. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, db } from '../support/env.ts';
import { toReply } from '../support/http.ts';

const S = `adm_info_${process.pid}`;
const get = async (q: string, auth: string | null = adminAuth) => toReply(await fetch(`${apiUrl}/api/schema${q}`, { headers: auth ? { Authorization: auth } : {} }));

beforeAll(async () => {
  await db().query(`DROP SCHEMA IF EXISTS ${S} CASCADE; CREATE SCHEMA ${S};
    CREATE TABLE ${S}.roles (id serial PRIMARY KEY, name character varying(255));
    CREATE TABLE ${S}.users (id integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY, name varchar(255), role_id int REFERENCES ${S}.roles, code char(2) NOT NULL DEFAULT 'xx', twice int GENERATED ALWAYS AS (id * 2) STORED);
    CREATE TABLE ${S}.memberships (a int, b int, PRIMARY KEY (a, b));
    CREATE TABLE ${S}.links (x int, y int, CONSTRAINT links_pair_fkey FOREIGN KEY (x, y) REFERENCES ${S}.memberships (a, b));
    CREATE VIEW ${S}.v AS SELECT 1 AS one`);
});
afterAll(async () => {
  await db().query(`DROP SCHEMA IF EXISTS ${S} CASCADE`);
});

describe('GET /api/schema', () => {
  it('answers every table with its columns and foreign keys, views left out', async () => {
    const res = await get(`?schema=${S}`);
    expect(res.status).toBe(200);
    const { schema } = res.json();
    expect(schema.map((t: { table: string }) => t.table)).toEqual(['links', 'memberships', 'roles', 'users']);
    const users = schema.find((t: { table: string }) => t.table === 'users');
    expect(users).toEqual({
      table: 'users',
      columns: [
        { name: 'id', type: 'integer', maxLength: null, nullable: false, defaultValue: `nextval('${S}.users_id_seq'::regclass)`, primaryKey: true },
        { name: 'name', type: 'character varying', maxLength: 255, nullable: true, defaultValue: null, primaryKey: false },
        { name: 'role_id', type: 'integer', maxLength: null, nullable: true, defaultValue: null, primaryKey: false },
        { name: 'code', type: 'character', maxLength: 2, nullable: false, defaultValue: "'xx'::bpchar", primaryKey: false },
        { name: 'twice', type: 'integer', maxLength: null, nullable: true, defaultValue: null, primaryKey: false },
      ],
      foreignKeys: [{ column: 'role_id', referencedTable: 'roles', referencedSchema: S, referencedColumn: 'id', constraintName: 'users_role_id_fkey' }],
    });
    const roles = schema.find((t: { table: string }) => t.table === 'roles');
    expect(roles.columns[0]).toEqual({ name: 'id', type: 'integer', maxLength: null, nullable: false, defaultValue: `nextval('${S}.roles_id_seq'::regclass)`, primaryKey: true });
    expect(roles.foreignKeys).toEqual([]);
  });

  it('lists a composite foreign key once per column pair, and composite primary keys on each column', async () => {
    const { schema } = (await get(`?schema=${S}`)).json();
    expect(schema.find((t: { table: string }) => t.table === 'links').foreignKeys).toEqual([
      { column: 'x', referencedTable: 'memberships', referencedSchema: S, referencedColumn: 'a', constraintName: 'links_pair_fkey' },
      { column: 'y', referencedTable: 'memberships', referencedSchema: S, referencedColumn: 'b', constraintName: 'links_pair_fkey' },
    ]);
    expect(schema.find((t: { table: string }) => t.table === 'memberships').columns.map((c: { primaryKey: boolean }) => c.primaryKey)).toEqual([true, true]);
  });

  it('defaults to public and refuses system or unknown schemas with 400', async () => {
    const pub = await get('');
    expect(pub.status).toBe(200);
    expect(Array.isArray(pub.json().schema)).toBe(true);
    for (const s of ['pg_catalog', 'information_schema', 'basalt', 'no_such_schema_i']) {
      const res = await get(`?schema=${s}`);
      expect(res.status, s).toBe(400);
      expect(res.json().error).toBe('INVALID_SCHEMA');
    }
  });

  it('answers an empty list for a schema without tables', async () => {
    await db().query(`CREATE SCHEMA IF NOT EXISTS ${S}_empty`);
    try {
      expect((await get(`?schema=${S}_empty`)).json()).toEqual({ schema: [] });
    } finally {
      await db().query(`DROP SCHEMA ${S}_empty`);
    }
  });

  it('requires admin credentials', async () => {
    expect((await get(`?schema=${S}`, null)).status).toBe(401);
  });
});
