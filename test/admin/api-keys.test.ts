/** Schema-scoped API keys: created once, stored hashed, usable as apikey/Bearer, scoped to their schema. */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, db, restUrl } from '../support/env.ts';
import { JSON_CT } from '../support/http.ts';
import { poll } from '../support/processes.ts';

const keysUrl = (schema: string) => `${apiUrl}/api/project/${schema}/keys`;
const create = (schema: string, body: unknown, auth = adminAuth) =>
  fetch(keysUrl(schema), { method: 'POST', headers: { Authorization: auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

const VALIDATION = 'Check the request body against the API documentation';
const BAD_SCHEMA = 'Use an existing, non-system schema that this endpoint serves';
/** The status, a JSON Content-Type and exactly this body. */
async function expectBody(res: Response, status: number, body: unknown, label?: string) {
  expect(res.status, label).toBe(status);
  expect(res.headers.get('content-type'), label).toBe(JSON_CT);
  expect(await res.json(), label).toEqual(body);
}

let anonKey: string;
let anonKeyId: number;
let serviceKey: string;

beforeAll(async () => {
  await db().query(`
    DROP SCHEMA IF EXISTS keys_a CASCADE; DROP SCHEMA IF EXISTS keys_b CASCADE;
    CREATE SCHEMA keys_a; CREATE SCHEMA keys_b;
    CREATE TABLE keys_a.items (id int PRIMARY KEY, name text); INSERT INTO keys_a.items VALUES (1, 'from a');
    CREATE TABLE keys_b.items (id int PRIMARY KEY, name text); INSERT INTO keys_b.items VALUES (1, 'from b');
    GRANT USAGE ON SCHEMA keys_a, keys_b TO anon, service_role;
    GRANT SELECT ON ALL TABLES IN SCHEMA keys_a TO anon, service_role;
    GRANT SELECT ON ALL TABLES IN SCHEMA keys_b TO anon, service_role;
  `);
  const a = await create('keys_a', { keyName: 'web', keyType: 'anon' });
  expect(a.status).toBe(201);
  const body = await a.json();
  anonKey = body.key;
  anonKeyId = body.id;
  serviceKey = (await (await create('keys_a', { keyName: 'server', keyType: 'service_role' })).json()).key;
  await create('keys_b', { keyName: 'web', keyType: 'anon' });
});

describe('creating and listing keys', () => {
  it('returns the key once, 64 hex characters, and stores only its SHA-256', async () => {
    expect(anonKey).toMatch(/^[0-9a-f]{64}$/);
    const { rows } = await db().query(`SELECT key_prefix, encode(key_hash, 'hex') AS hash, row_to_json(k)::text AS whole FROM basalt.api_keys k WHERE id = $1`, [anonKeyId]);
    expect(rows[0].key_prefix).toBe(anonKey.slice(0, 8));
    expect(rows[0].hash).toBe(createHash('sha256').update(anonKey).digest('hex'));
    expect(rows[0].whole).not.toContain(anonKey);
  });

  it('lists keys without their secret', async () => {
    const res = await fetch(keysUrl('keys_a'), { headers: { Authorization: adminAuth } });
    expect(res.status).toBe(200);
    const list = await res.json();
    expect(list.map((k: { key_name: string }) => k.key_name)).toEqual(['web', 'server']);
    expect(list[0]).toMatchObject({ id: anonKeyId, key_type: 'anon', key_prefix: anonKey.slice(0, 8), is_active: true });
    expect(JSON.stringify(list)).not.toContain(anonKey);
  });

  it('refuses bad input with 400 and unknown keys with 404', async () => {
    const invalid = (message: string) => ({ error: 'VALIDATION_ERROR', message, statusCode: 400, nextActions: VALIDATION });
    await expectBody(await create('keys_a', {}), 400, invalid('keyName is required'));
    await expectBody(await create('keys_a', { keyName: 'x', keyType: 'root' }), 400, invalid('Invalid option: expected one of "anon"|"service_role"'));
    await expectBody(await create('keys_a', { keyName: 'web' }), 400, invalid("An API key named 'web' already exists for schema 'keys_a'"));
    await expectBody(await create('no_such_schema', { keyName: 'x' }), 400, { error: 'INVALID_SCHEMA', message: "Schema 'no_such_schema' does not exist", statusCode: 400, nextActions: BAD_SCHEMA });
    for (const schema of ['pg_catalog', 'basalt']) {
      await expectBody(await create(schema, { keyName: 'x' }), 400, { error: 'INVALID_SCHEMA', message: `Invalid schema name '${schema}'`, statusCode: 400, nextActions: BAD_SCHEMA }, schema);
    }
    const gone = await fetch(`${keysUrl('keys_a')}/999999`, { method: 'DELETE', headers: { Authorization: adminAuth } });
    await expectBody(gone, 404, {
      error: 'KEY_NOT_FOUND',
      message: "API key 999999 not found in schema 'keys_a'",
      statusCode: 404,
      nextActions: 'List the keys with GET /api/project/:schema/keys',
    });
    await expectBody(await fetch(`${keysUrl('keys_a')}/abc`, { method: 'DELETE', headers: { Authorization: adminAuth } }), 400, invalid('keyId must be a number'));
    const names = (await db().query(`SELECT key_name FROM basalt.api_keys WHERE schema_name = 'keys_a' ORDER BY id`)).rows.map((r) => r.key_name);
    expect(names).toEqual(['web', 'server']);
  });

  it('requires admin credentials', async () => {
    await expectBody(await fetch(keysUrl('keys_a')), 401, {
      error: 'UNAUTHORIZED',
      message: 'Admin authentication required',
      statusCode: 401,
      nextActions: 'Send admin credentials: Basic auth with ADMIN_USER/ADMIN_PASSWORD, or a service_role JWT',
    });
    // A project's anon key is a known credential, but not an admin one.
    await expectBody(await fetch(keysUrl('keys_a'), { headers: { apikey: anonKey } }), 403, {
      error: 'FORBIDDEN',
      message: 'A service_role key is required',
      statusCode: 403,
      nextActions:
        "Send admin credentials: Basic auth with ADMIN_USER/ADMIN_PASSWORD, a service_role JWT, or the operator's service_role API key; a project schema's keys open only its data API",
    });
  });
});

describe('using keys', () => {
  const items = (headers: Record<string, string>) => fetch(`${restUrl}/items`, { headers });

  it('selects its schema on the data API, as apikey or Bearer, without a restart', async () => {
    const res = await poll(async () => {
      const r = await items({ apikey: anonKey });
      return r.status === 200 ? r : undefined;
    }, 'the keyed schema to be served', 10_000, 50);
    expect(await res.json()).toEqual([{ id: 1, name: 'from a' }]);
    expect(await (await items({ Authorization: `Bearer ${anonKey}` })).json()).toEqual([{ id: 1, name: 'from a' }]);
  });

  it('never reaches another schema', async () => {
    const r = await items({ apikey: anonKey, 'Accept-Profile': 'keys_b' });
    await expectBody(r, 403, { code: '42501', message: 'This API key is scoped to schema "keys_a"', details: null, hint: null });
  });

  it('works on the Database API records, scoped the same way', async () => {
    const ok = await fetch(`${apiUrl}/api/database/records/items`, { headers: { apikey: anonKey } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual([{ id: 1, name: 'from a' }]);
    await expectBody(await fetch(`${apiUrl}/api/database/records/items?schema=keys_b`, { headers: { apikey: anonKey } }), 403, {
      error: 'PERMISSION_DENIED',
      message: 'This API key is scoped to schema "keys_a"',
      statusCode: 403,
      nextActions: 'Check the GRANTs and row-level security policies for the role your token carries',
    });
  });

  it('a service_role key is an admin credential; an unknown key is refused', async () => {
    const admitted = await fetch(`${apiUrl}/api/database/migrations`, { headers: { apikey: serviceKey } });
    expect(admitted.status).toBe(200);
    expect(await admitted.json()).toMatchObject({ migrations: expect.any(Array) });
    const unknown = 'f'.repeat(64);
    const data = await items({ apikey: unknown });
    expect(data.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="Invalid API key"');
    await expectBody(data, 401, { code: 'PGRST301', message: 'Invalid API key', details: null, hint: null });
    await expectBody(await fetch(`${apiUrl}/api/database/migrations`, { headers: { apikey: unknown } }), 401, {
      error: 'UNAUTHORIZED',
      message: 'Invalid API key',
      statusCode: 401,
      nextActions: 'Send admin credentials: Basic auth with ADMIN_USER/ADMIN_PASSWORD, or a service_role JWT',
    });
  });

  it('records last_used_at in batches', async () => {
    await items({ apikey: anonKey });
    const used = await poll(async () => {
      const { rows } = await db().query('SELECT last_used_at FROM basalt.api_keys WHERE id = $1', [anonKeyId]);
      return rows[0].last_used_at ?? undefined;
    }, 'last_used_at', 15_000, 200);
    expect(Date.now() - new Date(used).getTime()).toBeLessThan(60_000);
  });

  it('stops working once deleted', async () => {
    const del = await fetch(`${keysUrl('keys_a')}/${anonKeyId}`, { method: 'DELETE', headers: { Authorization: adminAuth } });
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ success: true, message: 'API key "web" deleted successfully' });
    await expectBody(await items({ apikey: anonKey }), 401, { code: 'PGRST301', message: 'Invalid API key', details: null, hint: null });
  });
});
