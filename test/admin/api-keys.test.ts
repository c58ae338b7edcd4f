/** Schema-scoped API keys: created once, stored hashed, usable as apikey/Bearer, scoped to their schema. */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, db, restUrl } from '../support/env.ts';
import { poll } from '../support/processes.ts';

const keysUrl = (schema: string) => `${apiUrl}/api/project/${schema}/keys`;
const create = (schema: string, body: unknown, auth = adminAuth) =>
  fetch(keysUrl(schema), { method: 'POST', headers: { Authorization: auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

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
    expect((await create('keys_a', {})).status).toBe(400);
    expect((await create('keys_a', { keyName: 'x', keyType: 'root' })).status).toBe(400);
    const dup = await create('keys_a', { keyName: 'web' });
    expect(dup.status).toBe(400);
    expect((await dup.json()).message).toContain('already exists');
    expect((await create('no_such_schema', { keyName: 'x' })).status).toBe(400);
    expect((await create('pg_catalog', { keyName: 'x' })).status).toBe(400);
    expect((await create('basalt', { keyName: 'x' })).status).toBe(400);
    const gone = await fetch(`${keysUrl('keys_a')}/999999`, { method: 'DELETE', headers: { Authorization: adminAuth } });
    expect(gone.status).toBe(404);
    expect((await gone.json()).error).toBe('KEY_NOT_FOUND');
    expect((await fetch(`${keysUrl('keys_a')}/abc`, { method: 'DELETE', headers: { Authorization: adminAuth } })).status).toBe(400);
  });

  it('requires admin credentials', async () => {
    expect((await fetch(keysUrl('keys_a'))).status).toBe(401);
    expect((await fetch(keysUrl('keys_a'), { headers: { apikey: anonKey } })).status).toBe(403);
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
    expect(r.status).toBe(403);
    expect((await r.json()).code).toBe('42501');
  });

  it('works on the Database API records, scoped the same way', async () => {
    const ok = await fetch(`${apiUrl}/api/database/records/items`, { headers: { apikey: anonKey } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual([{ id: 1, name: 'from a' }]);
    expect((await fetch(`${apiUrl}/api/database/records/items?schema=keys_b`, { headers: { apikey: anonKey } })).status).toBe(403);
  });

  it('a service_role key is an admin credential; an unknown key is refused', async () => {
    expect((await fetch(`${apiUrl}/api/database/migrations`, { headers: { apikey: serviceKey } })).status).toBe(200);
    const unknown = 'f'.repeat(64);
    expect((await items({ apikey: unknown })).status).toBe(401);
    expect((await fetch(`${apiUrl}/api/database/migrations`, { headers: { apikey: unknown } })).status).toBe(401);
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
    expect((await items({ apikey: anonKey })).status).toBe(401);
  });
});
