/** Schemas as projects: a schema, its own login role, and the data API serving it without a restart. */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, databaseUrl, db, restUrl } from '../support/env.ts';
import { JSON_CT } from '../support/http.ts';
import { poll } from '../support/processes.ts';

const post = (body: unknown) =>
  fetch(`${apiUrl}/api/schema/create`, { method: 'POST', headers: { Authorization: adminAuth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const del = (name: string, cascade = false) =>
  fetch(`${apiUrl}/api/schema/${name}${cascade ? '?cascade=true' : ''}`, { method: 'DELETE', headers: { Authorization: adminAuth } });
const invalid = (message: string) => ({ error: 'VALIDATION_ERROR', message, statusCode: 400, nextActions: 'Check the request body against the API documentation' });
/** The status, a JSON Content-Type and exactly this body. */
async function expectBody(res: Response, status: number, body: unknown, label?: string) {
  expect(res.status, label).toBe(status);
  expect(res.headers.get('content-type'), label).toBe(JSON_CT);
  expect(await res.json(), label).toEqual(body);
}
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
    const badName = 'schemaName must start with a letter and hold only letters, digits and underscores (at most 49)';
    const cases: [unknown, string][] = [
      [{}, 'schemaName is required; password is required'],
      [{ schemaName: '1abc', password: 'longenough' }, badName],
      [{ schemaName: 'a-b', password: 'longenough' }, badName],
      [{ schemaName: 'okname', password: 'short' }, 'password must be at least 8 characters'],
      [{ schemaName: 'x'.repeat(59), password: 'longenough' }, badName],
    ];
    for (const [body, message] of cases) await expectBody(await post(body), 400, invalid(message), JSON.stringify(body));
    for (const name of ['public', 'pg_temp_x', 'basalt', 'auth']) {
      await expectBody(await post({ schemaName: name, password: 'longenough' }), 400, invalid(`'${name}' is a reserved schema name`), name);
    }
    await expectBody(await post({ schemaName: 'proj_alpha', password: 'longenough' }), 400, invalid('Schema "proj_alpha" or role "proj_alpha_user" already exists'));
    expect((await db().query(`SELECT 1 FROM pg_namespace WHERE nspname = 'okname'`)).rowCount).toBe(0);
  });

  it('requires admin credentials', async () => {
    const refused = {
      error: 'UNAUTHORIZED',
      message: 'Admin authentication required',
      statusCode: 401,
      nextActions: 'Send admin credentials: Basic auth with ADMIN_USER/ADMIN_PASSWORD, or a service_role JWT',
    };
    await expectBody(await fetch(`${apiUrl}/api/schema/create`, { method: 'POST' }), 401, refused);
    await expectBody(await fetch(`${apiUrl}/api/schemas`), 401, refused);
  });
});

describe('DELETE /api/schema/:name', () => {
  it('refuses a non-empty schema without cascade, and deletes it and its role with cascade', async () => {
    await expectBody(await del('proj_alpha'), 400, invalid('Schema "proj_alpha" is not empty; delete it with ?cascade=true'));
    expect((await db().query(`SELECT 1 FROM pg_namespace WHERE nspname = 'proj_alpha'`)).rowCount).toBe(1);

    const res = await del('proj_alpha', true);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true, message: 'Schema "proj_alpha" deleted successfully' });
    expect((await db().query(`SELECT 1 FROM pg_namespace WHERE nspname = 'proj_alpha'`)).rowCount).toBe(0);
    expect((await db().query(`SELECT 1 FROM pg_roles WHERE rolname = 'proj_alpha_user'`)).rowCount).toBe(0);
  });

  it('deletes an empty project without cascade', async () => {
    expect((await post({ schemaName: 'proj_empty', password: 'longenough' })).status).toBe(201);
    const res = await del('proj_empty');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true, message: 'Schema "proj_empty" deleted successfully' });
    expect((await db().query(`SELECT 1 FROM pg_namespace WHERE nspname = 'proj_empty'`)).rowCount).toBe(0);
  });

  it('refuses system schemas with 400 and unknown ones with 404', async () => {
    for (const name of ['public', 'pg_catalog', 'information_schema', 'basalt']) {
      await expectBody(await del(name, true), 400, invalid(`'${name}' is a system schema and cannot be deleted`), name);
    }
    await expectBody(await del('no_such_project'), 404, {
      error: 'SCHEMA_NOT_FOUND',
      message: 'Schema "no_such_project" does not exist',
      statusCode: 404,
      // The hint speaks of listings although this is a DELETE: the code's one SCHEMA_NOT_FOUND text.
      nextActions: 'Check the schema name; without ?schema= the listing is of public',
    });
    expect((await db().query(`SELECT 1 FROM pg_namespace WHERE nspname = 'public'`)).rowCount).toBe(1);
  });
});
