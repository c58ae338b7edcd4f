/** Schemas as projects: a schema, its own login role, and the data API serving it without a restart. */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, databaseUrl, db, restUrl } from '../support/env.ts';
import { poll } from '../support/processes.ts';

const post = (body: unknown) =>
  fetch(`${apiUrl}/api/schema/create`, { method: 'POST', headers: { Authorization: adminAuth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const del = (name: string, cascade = false) =>
  fetch(`${apiUrl}/api/schema/${name}${cascade ? '?cascade=true' : ''}`, { method: 'DELETE', headers: { Authorization: adminAuth } });
// A password with every kind of quote and a statement terminator: it must arrive as is.
const PASSWORD = `it's "quoted"; $$ \\ DROP ROLE x; --`;

afterAll(async () => {
  await del('proj_alpha', true);
});

describe('POST /api/schema/create', () => {
  it('creates the schema and a login role that owns it, in one go', async () => {
    const res = await post({ schemaName: 'proj_alpha', password: PASSWORD });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ success: true, message: 'Schema "proj_alpha" created successfully with dedicated user', username: 'proj_alpha_user' });
    const { rows } = await db().query(`SELECT n.nspowner::regrole::text AS owner FROM pg_namespace n WHERE nspname = 'proj_alpha'`);
    expect(rows[0].owner).toBe('proj_alpha_user');
  });

  it('the new role logs in with exactly the password given', async () => {
    const u = new URL(databaseUrl);
    u.username = 'proj_alpha_user';
    u.password = PASSWORD;
    const c = new pg.Client({ connectionString: u.toString() });
    await c.connect();
    const { rows } = await c.query('SELECT current_user AS me');
    await c.query('CREATE TABLE proj_alpha.notes (id int PRIMARY KEY, body text); INSERT INTO proj_alpha.notes VALUES (1, $$hello$$)');
    await c.end();
    expect(rows[0].me).toBe('proj_alpha_user');
  });

  it('is served by the data API through Accept-Profile without a restart, with the default privileges applied', async () => {
    const res = await poll(async () => {
      const r = await fetch(`${restUrl}/notes`, { headers: { 'Accept-Profile': 'proj_alpha' } });
      return r.status === 200 ? r : undefined;
    }, 'the project to be served', 10_000, 50);
    expect(await res.json()).toEqual([{ id: 1, body: 'hello' }]);
    expect(res.headers.get('content-profile')).toBe('proj_alpha');
  });

  it('lists it among the schemas', async () => {
    const res = await fetch(`${apiUrl}/api/schemas`, { headers: { Authorization: adminAuth } });
    expect(res.status).toBe(200);
    const list = await res.json();
    expect(list).toContain('proj_alpha');
    expect(list[list.length - 1]).toBe('public');
    expect(list).not.toContain('basalt');
  });

  it('refuses bad input, reserved names and duplicates with 400', async () => {
    for (const body of [{}, { schemaName: '1abc', password: 'longenough' }, { schemaName: 'a-b', password: 'longenough' }, { schemaName: 'okname', password: 'short' }, { schemaName: 'x'.repeat(59), password: 'longenough' }]) {
      const r = await post(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect((await r.json()).error).toBe('VALIDATION_ERROR');
    }
    for (const name of ['public', 'pg_temp_x', 'basalt', 'auth']) expect((await post({ schemaName: name, password: 'longenough' })).status).toBe(400);
    const dup = await post({ schemaName: 'proj_alpha', password: 'longenough' });
    expect(dup.status).toBe(400);
    expect((await dup.json()).message).toContain('already exists');
  });

  it('requires admin credentials', async () => {
    expect((await fetch(`${apiUrl}/api/schema/create`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${apiUrl}/api/schemas`)).status).toBe(401);
  });
});

describe('DELETE /api/schema/:name', () => {
  it('refuses a non-empty schema without cascade, and deletes it and its role with cascade', async () => {
    const plain = await del('proj_alpha');
    expect(plain.status).toBe(400);
    expect((await plain.json()).message).toContain('cascade=true');
    expect((await db().query(`SELECT 1 FROM pg_namespace WHERE nspname = 'proj_alpha'`)).rowCount).toBe(1);

    const res = await del('proj_alpha', true);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true, message: 'Schema "proj_alpha" deleted successfully' });
    expect((await db().query(`SELECT 1 FROM pg_namespace WHERE nspname = 'proj_alpha'`)).rowCount).toBe(0);
    expect((await db().query(`SELECT 1 FROM pg_roles WHERE rolname = 'proj_alpha_user'`)).rowCount).toBe(0);
  });

  it('deletes an empty project without cascade', async () => {
    expect((await post({ schemaName: 'proj_empty', password: 'longenough' })).status).toBe(201);
    expect((await del('proj_empty')).status).toBe(200);
  });

  it('refuses system schemas with 400 and unknown ones with 404', async () => {
    for (const name of ['public', 'pg_catalog', 'information_schema', 'basalt']) expect((await del(name, true)).status).toBe(400);
    expect((await del('no_such_project')).status).toBe(404);
  });
});
