import { describe, expect, it } from 'vitest';
import { db } from '../support/env.ts';
import { JSON_CT } from '../support/http.ts';
import { get, meta } from './support.ts';

const F = { included_schemas: 'meta_fixture' };
const oid = async (regclass: string) => Number((await db().query(`SELECT $1::regclass::oid::int8 AS id`, [regclass])).rows[0].id);
const byName = (rows: any[], name: string) => rows.find((r) => r.name === name);

describe('GET / and the seed routes', () => {
  it('GET / describes the API', async () => {
    const body = await get('/');
    expect(body).toMatchObject({ status: 200, name: expect.any(String), version: expect.any(String) });
  });

  it('GET /schemas has the seed Schema fields and hides system schemas by default', async () => {
    const rows = await get('/schemas');
    const names = rows.map((r: any) => r.name);
    expect(names).toContain('meta_fixture');
    expect(names).toContain('public');
    for (const hidden of ['pg_catalog', 'information_schema', 'pg_toast', 'basalt']) expect(names).not.toContain(hidden);
    const s = byName(rows, 'meta_fixture');
    expect(s).toEqual({
      id: expect.any(Number),
      catalog_name: 'basalt_test',
      name: 'meta_fixture',
      owner: expect.any(String),
      default_character_set_catalog: null,
      default_character_set_schema: null,
      default_character_set_name: null,
      sql_path: null,
      comment: 'Postgres Admin API fixture',
    });
  });

  it.each(['includeSystemSchemas', 'include_system_schemas'])('GET /schemas?%s=true adds the system schemas and basalt', async (p) => {
    const names = (await get('/schemas', { [p]: 'true' })).map((r: any) => r.name);
    for (const shown of ['pg_catalog', 'information_schema', 'pg_toast', 'basalt', 'meta_fixture']) expect(names).toContain(shown);
  });

  it('GET /tables has the seed Table fields with bytes, size, relationships and enums', async () => {
    const rows = await get('/tables', F);
    expect(rows.map((r: any) => r.name)).toEqual(['measurements', 'measurements_2024', 'measurements_2025', 'owners', 'pet_visits', 'pets']);
    const pets = byName(rows, 'pets');
    const petsId = await oid('meta_fixture.pets');
    const ownersId = await oid('meta_fixture.owners');
    expect(pets).toMatchObject({
      id: petsId,
      table_id: String(petsId),
      catalog: 'basalt_test',
      schema: 'meta_fixture',
      name: 'pets',
      is_insertable_into: true,
      is_typed: false,
      rls_enabled: true,
      rls_forced: false,
      replica_identity: 'DEFAULT',
      comment: 'Pets and their moods',
      enums: ['mood', 'size'],
      primary_keys: [{ schema: 'meta_fixture', table_name: 'pets', name: 'id', table_id: petsId }],
    });
    expect(pets.bytes).toBeGreaterThan(0);
    expect(pets.size).toMatch(/^\d+ (bytes|kB|MB)$/);
    expect(pets.relationships).toContainEqual({
      id: expect.any(Number),
      constraint_name: 'pets_owner_id_fkey',
      source_table_id: String(petsId),
      source_schema: 'meta_fixture',
      source_table_name: 'pets',
      source_column_name: 'owner_id',
      target_table_id: String(ownersId),
      target_table_schema: 'meta_fixture',
      target_table_name: 'owners',
      target_column_name: 'id',
    });
    // incoming relationships too: pet_visits -> pets
    expect(pets.relationships.map((r: any) => r.constraint_name)).toContain('pet_visits_pet_id_fkey');
    expect(pets.columns.map((c: any) => c.name)).toEqual(['id', 'owner_id', 'name', 'mood', 'sizes', 'tag', 'weight', 'updated_at']);
    expect(byName(rows, 'measurements')).toMatchObject({ is_partitioned: true, is_partition: false });
    expect(byName(rows, 'measurements_2024')).toMatchObject({ is_partitioned: false, is_partition: true });
  });

  it('GET /tables?include_columns=false leaves the columns out', async () => {
    const rows = await get('/tables', { ...F, include_columns: 'false' });
    expect(rows[0]).not.toHaveProperty('columns');
  });

  it('GET /tables hides pg_catalog tables unless includeSystemSchemas=true', async () => {
    expect((await get('/tables')).some((t: any) => t.schema === 'pg_catalog' || t.schema === 'basalt')).toBe(false);
    const all = await get('/tables', { includeSystemSchemas: 'true', include_columns: 'false' });
    expect(all.some((t: any) => t.schema === 'pg_catalog' && t.name === 'pg_class')).toBe(true);
    expect(all.some((t: any) => t.schema === 'basalt')).toBe(true);
  });

  it('GET /tables honours excluded_schemas, limit and offset', async () => {
    const some = await get('/tables', { excluded_schemas: 'meta_fixture,rest_read', include_columns: 'false' });
    expect(some.some((t: any) => t.schema === 'meta_fixture' || t.schema === 'rest_read')).toBe(false);
    expect(some.some((t: any) => t.schema === 'rest_write')).toBe(true);
    const page = await get('/tables', { ...F, limit: '2', offset: '1', include_columns: 'false' });
    expect(page.map((t: any) => t.name)).toEqual(['measurements_2024', 'measurements_2025']);
  });

  it('GET /tables/:id answers one table, 404 for an unknown id, 400 for a malformed one', async () => {
    const id = await oid('meta_fixture.owners');
    expect(await get(`/tables/${id}`)).toMatchObject({ id, name: 'owners', comment: 'People who own pets', columns: expect.any(Array) });
    const missing = await meta('GET', '/tables/4000000000');
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ error: 'Cannot find a table with ID 4000000000' });
    const bad = await meta('GET', '/tables/pets');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe(JSON_CT);
    expect(bad.json()).toEqual({ error: 'Invalid table ID "pets": expected a number' });
  });

  it('GET /types has enums and composite attributes, hides pg_catalog types by default', async () => {
    const rows = await get('/types', F);
    expect(rows.map((r: any) => r.name)).toEqual(['address', 'mood', 'size']);
    expect(byName(rows, 'mood')).toMatchObject({
      id: expect.any(Number),
      name: 'mood',
      schema: 'meta_fixture',
      schema_name: 'meta_fixture',
      format: 'meta_fixture.mood',
      description: 'How a pet feels',
      comment: 'How a pet feels',
      size: '4',
      enums: ['sad', 'ok', 'happy'],
    });
    expect(byName(rows, 'address').attributes).toEqual([
      { name: 'street', type_id: 25 },
      { name: 'zip', type_id: 23 },
    ]);
    expect((await get('/types')).some((t: any) => t.schema === 'pg_catalog')).toBe(false);
    const sys = await get('/types', { includeSystemSchemas: 'true' });
    expect(sys.find((t: any) => t.schema === 'pg_catalog' && t.name === 'int4')).toMatchObject({ format: 'integer', size: '4' });
    // table row types and array types are not listed
    expect(sys.some((t: any) => t.schema === 'meta_fixture' && (t.name === 'pets' || t.name === '_mood'))).toBe(false);
  });

  it('GET /plugins lists installed and available extensions', async () => {
    const rows = await get('/plugins');
    expect(byName(rows, 'citext')).toEqual({ name: 'citext', default_version: expect.any(String), installed_version: expect.any(String), comment: expect.any(String) });
    expect(byName(rows, 'seg')).toMatchObject({ installed_version: null });
    expect(byName(rows, 'plpgsql').installed_version).not.toBeNull();
  });

  it('GET /config is pg_settings grouped by category', async () => {
    const rows = await get('/config');
    const sb = byName(rows, 'shared_buffers');
    expect(sb).toMatchObject({ category: 'Resource Usage / Memory', group: 'Resource Usage', subgroup: 'Memory', unit: '8kB', vartype: 'integer' });
    const cats = rows.map((r: any) => r.category);
    expect(cats).toEqual([...cats].sort((a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('GET /config/version reports version and connections', async () => {
    const v = await get('/config/version');
    const { rows } = await db().query(`SELECT current_setting('server_version_num')::int AS n, current_setting('max_connections')::int AS m`);
    expect(v).toEqual({ version: expect.stringMatching(/^PostgreSQL 15/), version_number: rows[0].n, active_connections: expect.any(Number), max_connections: rows[0].m });
    expect(v.active_connections).toBeGreaterThan(0);
  });
});

describe("postgres-meta's catalogue", () => {
  it('GET /columns lists columns with types, enums, identity, defaults, checks and comments', async () => {
    const rows = (await get('/columns', F)).filter((c: any) => c.table === 'pets');
    const col = (n: string) => rows.find((c: any) => c.name === n);
    const petsId = await oid('meta_fixture.pets');
    expect(col('id')).toMatchObject({ table_id: petsId, id: `${petsId}.1`, ordinal_position: 1, is_identity: true, identity_generation: 'BY DEFAULT', is_nullable: false, data_type: 'integer', format: 'int4' });
    expect(col('mood')).toMatchObject({ data_type: 'USER-DEFINED', format: 'mood', enums: ['sad', 'ok', 'happy'], default_value: "'ok'::meta_fixture.mood", comment: 'Current mood', is_nullable: true });
    expect(col('sizes')).toMatchObject({ data_type: 'ARRAY', format: '_size', enums: ['small', 'large'] });
    expect(col('tag')).toMatchObject({ is_unique: true });
    expect(col('weight')).toMatchObject({ data_type: 'numeric', check: 'CHECK (weight > 0::numeric)' });
    expect(col('updated_at')).toMatchObject({ default_value: 'now()', data_type: 'timestamp with time zone' });
  });

  it('GET /columns/:tableId lists one table; /columns/:tableId.:ordinal is one column; 404 otherwise', async () => {
    const id = await oid('meta_fixture.owners');
    expect((await get(`/columns/${id}`)).map((c: any) => c.name)).toEqual(['id', 'name', 'email', 'home']);
    expect(await get(`/columns/${id}.3`)).toMatchObject({ name: 'email', format: 'citext', data_type: 'USER-DEFINED' });
    expect(await get(`/columns/${id}.4`)).toMatchObject({ name: 'home', format: 'address' });
    const missing = await meta('GET', `/columns/${id}.99`);
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ error: `Cannot find a column with ID ${id}.99` });
    const malformed = await meta('GET', '/columns/1.x');
    expect(malformed.status).toBe(400);
    expect(malformed.json()).toEqual({ error: 'Invalid column ID "1.x": expected <table id>.<ordinal position>' });
  });

  it('GET /functions lists functions with arguments, return type and behaviour', async () => {
    const rows = await get('/functions', F);
    expect(rows.map((f: any) => f.name)).toEqual(['add', 'touch']);
    const add = byName(rows, 'add');
    expect(add).toMatchObject({
      schema: 'meta_fixture',
      language: 'sql',
      definition: 'SELECT a + b',
      argument_types: 'a integer, b integer DEFAULT 1',
      identity_argument_types: 'a integer, b integer',
      return_type: 'integer',
      return_type_id: 23,
      return_type_relation_id: null,
      is_set_returning_function: false,
      behavior: 'IMMUTABLE',
      security_definer: false,
      config_params: null,
      args: [
        { mode: 'in', name: 'a', type_id: 23, has_default: false },
        { mode: 'in', name: 'b', type_id: 23, has_default: true },
      ],
    });
    expect(add.complete_statement).toMatch(/^CREATE OR REPLACE FUNCTION meta_fixture\.add/);
    expect(await get(`/functions/${add.id}`)).toEqual(add);
    expect((await get('/functions')).some((f: any) => f.schema === 'pg_catalog')).toBe(false);
    expect((await get('/functions', { include_system_schemas: 'true', limit: '5000' })).some((f: any) => f.schema === 'pg_catalog' && f.name === 'now')).toBe(true);
    const noFunction = await meta('GET', '/functions/4000000000');
    expect(noFunction.status).toBe(404);
    expect(noFunction.json()).toEqual({ error: 'Cannot find a function with ID 4000000000' });
  });

  it('GET /policies, /triggers, /indexes, /views, /materialized-views and /publications', async () => {
    const [policy] = await get('/policies', F);
    expect(policy).toMatchObject({ schema: 'meta_fixture', table: 'pets', name: 'pets_owner_policy', action: 'PERMISSIVE', roles: ['public'], command: 'SELECT', definition: '(owner_id > 0)', check: null });
    expect(await get(`/policies/${policy.id}`)).toEqual(policy);

    const [trigger] = await get('/triggers', F);
    expect(trigger).toMatchObject({ name: 'pets_touch', table: 'pets', schema: 'meta_fixture', enabled_mode: 'ORIGIN', orientation: 'ROW', activation: 'BEFORE', events: ['UPDATE'], function_schema: 'meta_fixture', function_name: 'touch', function_args: [], condition: null });
    expect(await get(`/triggers/${trigger.id}`)).toEqual(trigger);

    const indexes = await get('/indexes', F);
    const idx = byName(indexes, 'pets_name_idx');
    expect(idx).toMatchObject({ schema: 'meta_fixture', is_unique: false, is_primary: false, access_method: 'btree', table_id: await oid('meta_fixture.pets') });
    expect(idx.index_definition).toBe('CREATE INDEX pets_name_idx ON meta_fixture.pets USING btree (lower(name))');
    expect(byName(indexes, 'pets_pkey')).toMatchObject({ is_primary: true, is_unique: true, index_attributes: [{ attribute_number: 1, attribute_name: 'id', data_type: 'integer' }] });
    expect(await get(`/indexes/${idx.id}`)).toEqual(idx);

    const [view] = await get('/views', F);
    expect(view).toMatchObject({ name: 'pet_names', is_updatable: true, comment: 'Just the names' });
    expect(view.columns.map((c: any) => c.name)).toEqual(['id', 'name']);
    expect(await get(`/views/${view.id}`, { include_columns: 'false' })).toEqual({ id: view.id, schema: 'meta_fixture', name: 'pet_names', is_updatable: true, comment: 'Just the names' });

    const [mv] = await get('/materialized-views', F);
    expect(mv).toMatchObject({ name: 'pet_counts', is_populated: true, comment: null });
    expect(mv.columns.map((c: any) => c.name)).toEqual(['owner_id', 'pets']);
    expect((await get(`/materialized-views/${mv.id}`)).name).toBe('pet_counts');

    const pub = byName(await get('/publications'), 'meta_fixture_pub');
    expect(pub).toMatchObject({ publish_insert: true, publish_update: true, publish_delete: true, publish_truncate: true });
    expect(pub.tables.map((t: any) => `${t.schema}.${t.name}`)).toEqual(['meta_fixture.owners', 'meta_fixture.pets']);
    expect(await get(`/publications/${pub.id}`)).toEqual(pub);
    const noPublication = await meta('GET', '/publications/4000000000');
    expect(noPublication.status).toBe(404);
    expect(noPublication.json()).toEqual({ error: 'Cannot find a publication with ID 4000000000' });
  });

  it('GET /foreign-tables lists foreign tables', async () => {
    const name = `ft_${process.pid}`;
    await db().query(`CREATE FOREIGN DATA WRAPPER ${name}_fdw; CREATE SERVER ${name}_srv FOREIGN DATA WRAPPER ${name}_fdw;
      CREATE FOREIGN TABLE public.${name} (a int) SERVER ${name}_srv; COMMENT ON FOREIGN TABLE public.${name} IS 'remote'`);
    try {
      const ft = (await get('/foreign-tables')).find((t: any) => t.name === name);
      expect(ft).toMatchObject({ schema: 'public', comment: 'remote' });
      expect(ft.columns.map((c: any) => c.name)).toEqual(['a']);
      expect((await get(`/foreign-tables/${ft.id}`)).name).toBe(name);
    } finally {
      await db().query(`DROP FOREIGN DATA WRAPPER ${name}_fdw CASCADE`);
    }
  });

  it('GET /roles hides default pg_* roles unless include_default_roles=true', async () => {
    const rows = await get('/roles');
    expect(byName(rows, 'anon')).toMatchObject({ can_login: false, is_superuser: false, password: '********', connection_limit: expect.any(Number) });
    expect(rows.some((r: any) => r.name.startsWith('pg_'))).toBe(false);
    expect((await get('/roles', { include_default_roles: 'true' })).some((r: any) => r.name === 'pg_read_all_data')).toBe(true);
    const anon = byName(rows, 'anon');
    expect(await get(`/roles/${anon.id}`)).toEqual(anon);
  });

  it('GET /extensions lists available and installed ones; /extensions/:name gets one', async () => {
    const citext = byName(await get('/extensions'), 'citext');
    expect(citext).toEqual({ name: 'citext', schema: 'public', default_version: expect.any(String), installed_version: expect.any(String), comment: expect.any(String) });
    expect(await get('/extensions/citext')).toEqual(citext);
    expect(await get('/extensions/seg')).toMatchObject({ schema: null, installed_version: null });
    const missing = await meta('GET', '/extensions/no_such_ext');
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ error: 'Cannot find an extension with ID no_such_ext' });
  });

  it('GET /table-privileges and /column-privileges', async () => {
    const owners = (await get('/table-privileges', F)).find((t: any) => t.name === 'owners');
    expect(owners).toMatchObject({ relation_id: await oid('meta_fixture.owners'), schema: 'meta_fixture', kind: 'table' });
    expect(owners.privileges).toContainEqual({ grantor: expect.any(String), grantee: 'PUBLIC', privilege_type: 'SELECT', is_grantable: false });
    expect(await get(`/table-privileges/${owners.relation_id}`)).toEqual(owners);
    const kinds = new Set((await get('/table-privileges', F)).map((t: any) => t.kind));
    expect(kinds).toEqual(new Set(['table', 'partitioned_table', 'view', 'materialized_view']));

    const pets = await oid('meta_fixture.pets');
    const cols = (await get('/column-privileges', F)).filter((c: any) => c.relation_id === pets);
    const nameCol = cols.find((c: any) => c.column_name === 'name');
    expect(nameCol.column_id).toBe(`${pets}.3`);
    expect(nameCol.privileges).toContainEqual({ grantor: expect.any(String), grantee: 'PUBLIC', privilege_type: 'SELECT', is_grantable: false });
    expect(cols.find((c: any) => c.column_name === 'tag').privileges.some((p: any) => p.grantee === 'PUBLIC')).toBe(false);
    expect(await get(`/column-privileges/${pets}.3`)).toEqual(nameCol);
    const noColumn = await meta('GET', `/column-privileges/${pets}.99`);
    expect(noColumn.status).toBe(404);
    expect(noColumn.json()).toEqual({ error: `Cannot find a column with ID ${pets}.99` });
  });

  it('bad query parameters are 400, never 500', async () => {
    for (const [path, params] of [
      ['/tables', { limit: 'ten' }],
      ['/tables', { offset: '-1' }],
      ['/schemas', { include_system_schemas: 'yes' }],
      ['/tables', { include_columns: 'maybe' }],
    ] as const) {
      const r = await meta('GET', path, { params });
      expect(r.status, `${path} ${JSON.stringify(params)}`).toBe(400);
      expect(r.json().error).toMatch(/Invalid query parameter/);
    }
  });

  it('included_schemas and excluded_schemas apply to every schema-scoped listing', async () => {
    for (const path of ['/columns', '/types', '/functions', '/policies', '/triggers', '/views', '/materialized-views', '/indexes', '/table-privileges']) {
      const rows = await get(path, { included_schemas: 'meta_fixture' });
      expect(rows.length, path).toBeGreaterThan(0);
      expect(rows.every((r: any) => (r.schema ?? r.relation_schema) === 'meta_fixture'), path).toBe(true);
      const without = await get(path, { excluded_schemas: 'meta_fixture' });
      expect(without.some((r: any) => (r.schema ?? r.relation_schema) === 'meta_fixture'), path).toBe(false);
    }
    expect((await get('/column-privileges', { included_schemas: 'meta_fixture', limit: '3' })).length).toBe(3);
  });
});
