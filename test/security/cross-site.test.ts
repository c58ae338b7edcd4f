/**
 * Cross-site requests (issue 13, attack 7): browsers cache Basic auth, so a page elsewhere
 * could submit a form (a multipart upload needs no preflight) to the admin surfaces with
 * the admin's credentials. State-changing requests to /api, /v1 and the root Postgres Admin
 * routes from an Origin that is neither the server's own nor in ADMIN_ALLOWED_ORIGINS, or
 * marked Sec-Fetch-Site: cross-site, get 403 before their body is read; nothing is stored.
 * CORS there answers only allowed origins and never grants credentials; the data APIs keep
 * PostgREST's permissive CORS.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, databaseUrl, db, redisUrl, restUrl, testEnv } from '../support/env.ts';
import { createToken } from '../support/management.ts';
import { isolatedStack, type IsolatedStack } from '../support/isolated-stack.ts';
import { poll } from '../support/processes.ts';
import { parseConfig, ConfigError } from '../../src/shared/config.ts';

const tag = randomBytes(3).toString('hex');
const EVIL = 'https://evil.example';
const IMPORTED = `xsite_import_${tag}`;
const TARGET = `xsite_rows_${tag}`;
const UPLOAD_NAME = `xsite-${tag}`;

const importForm = (name = `${UPLOAD_NAME}.sql`) => {
  const f = new FormData();
  f.set('file', new Blob([`CREATE TABLE public.${IMPORTED} (id int);`], { type: 'application/sql' }), name);
  return f;
};
const upsertForm = () => {
  const f = new FormData();
  f.set('table', TARGET);
  f.set('upsertKey', 'id');
  f.set('file', new Blob(['id,v\n1,changed\n2,new\n'], { type: 'text/csv' }), `${UPLOAD_NAME}.csv`);
  return f;
};

const post = (path: string, body: FormData | unknown, headers: Record<string, string>, base = apiUrl) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { Authorization: adminAuth, ...(body instanceof FormData ? {} : { 'Content-Type': 'application/json' }), ...headers },
    body: body instanceof FormData ? body : JSON.stringify(body),
  });

const uploadsStored = async () => (await db().query(`SELECT count(*)::int AS n FROM basalt.artifacts WHERE filename LIKE $1`, [`${UPLOAD_NAME}%`])).rows[0].n as number;
const tableExists = async (name: string) => (await db().query(`SELECT to_regclass($1) IS NOT NULL AS e`, [`public.${name}`])).rows[0].e as boolean;
const targetRows = async () => (await db().query(`SELECT id, v FROM public.${TARGET} ORDER BY id`)).rows;

beforeAll(async () => {
  await db().query(`CREATE TABLE public.${TARGET} (id int PRIMARY KEY, v text); INSERT INTO public.${TARGET} VALUES (1, 'original');`);
});
afterAll(async () => {
  await db().query(`DROP TABLE IF EXISTS public.${TARGET}, public.${IMPORTED}`);
});

describe('a cross-origin multipart upload with Basic auth', () => {
  it('to the Database API import: 403 in the /api envelope, no upload stored, no job, no table', async () => {
    const r = await post('/api/database/advance/import', importForm(), { Origin: EVIL });
    expect(r.status).toBe(403);
    expect(await r.json()).toMatchObject({ error: 'CROSS_SITE_REQUEST', statusCode: 403 });
    expect(r.headers.get('location')).toBeNull();
    expect(await uploadsStored()).toBe(0);
    expect(await tableExists(IMPORTED)).toBe(false);
  });

  it('to the Database API bulk upsert: 403, no upload stored, no rows written', async () => {
    const r = await post('/api/database/advance/bulk-upsert', upsertForm(), { Origin: EVIL, Prefer: 'respond-async' });
    expect(r.status).toBe(403);
    expect((await r.json()).error).toBe('CROSS_SITE_REQUEST');
    expect(r.headers.get('location')).toBeNull();
    expect(await uploadsStored()).toBe(0);
    expect(await targetRows()).toEqual([{ id: 1, v: 'original' }]);
  });

  it('marked Sec-Fetch-Site: cross-site (no Origin): 403 too', async () => {
    for (const path of ['/api/database/advance/import', '/api/database/advance/bulk-upsert']) {
      const r = await post(path, path.endsWith('import') ? importForm() : upsertForm(), { 'Sec-Fetch-Site': 'cross-site' });
      expect(r.status, path).toBe(403);
      expect(await r.json(), path).toMatchObject({ error: 'CROSS_SITE_REQUEST', message: 'Cross-site requests may not change anything here', statusCode: 403 });
    }
    // An opaque origin (sandboxed frame, file://) is not the server's either.
    const opaque = await post('/api/database/advance/import', importForm(), { Origin: 'null' });
    expect(opaque.status).toBe(403);
    expect(await opaque.json()).toMatchObject({ error: 'CROSS_SITE_REQUEST', message: 'Origin "null" is not allowed to change anything here (ADMIN_ALLOWED_ORIGINS)', statusCode: 403 });
    expect(await uploadsStored()).toBe(0);
    expect(await tableExists(IMPORTED)).toBe(false);
    expect(await targetRows()).toEqual([{ id: 1, v: 'original' }]);
  });

  it('from the same origin, or with no Origin at all (curl), still works', async () => {
    const sameOrigin = await post('/api/database/advance/bulk-upsert', upsertForm(), { Origin: apiUrl, 'Sec-Fetch-Site': 'same-origin' });
    expect(sameOrigin.status, await sameOrigin.clone().text()).toBe(200);
    expect(await targetRows()).toEqual([{ id: 1, v: 'changed' }, { id: 2, v: 'new' }]);
    const curl = await post('/api/database/advance/import', importForm(), {});
    expect(curl.status, await curl.clone().text()).toBe(200);
    expect(await tableExists(IMPORTED)).toBe(true);
  });
});

describe('other state-changing requests from another site', () => {
  it('/api admin endpoints: 403, nothing created; reads and the data routes are not refused', async () => {
    const name = `xsite-token-${tag}`;
    const r = await post('/api/tokens', { name }, { Origin: EVIL });
    expect(r.status).toBe(403);
    expect((await r.json()).error).toBe('CROSS_SITE_REQUEST');
    expect((await db().query('SELECT 1 FROM basalt.management_tokens WHERE name = $1', [name])).rowCount).toBe(0);
    const q = await post('/api/query', { sql: `CREATE TABLE public.xsite_query_${tag} (id int)` }, { Origin: EVIL });
    expect(q.status).toBe(403);
    const del = await fetch(`${apiUrl}/api/table/${TARGET}`, { method: 'DELETE', headers: { Authorization: adminAuth, Origin: EVIL } });
    expect(del.status).toBe(403);
    expect(await tableExists(`xsite_query_${tag}`)).toBe(false);
    expect(await tableExists(TARGET)).toBe(true);
    // Reads change nothing.
    expect((await fetch(`${apiUrl}/api/schemas`, { headers: { Authorization: adminAuth, Origin: EVIL } })).status).toBe(200);
    // /api/database/records takes no Basic auth (Bearer tokens only), and browser apps elsewhere use it.
    const records = await fetch(`${apiUrl}/api/database/records/no_such_table_${tag}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: EVIL }, body: '[{"a":1}]' });
    expect((await records.json()).error).not.toBe('CROSS_SITE_REQUEST');
  });

  it('the root Postgres Admin routes: 403 in their { error } envelope', async () => {
    const r = await post('/query', { query: `CREATE TABLE public.xsite_meta_${tag} (id int)` }, { Origin: EVIL });
    expect(r.status).toBe(403);
    expect((await r.json()).error).toMatch(/not allowed/);
    expect(await tableExists(`xsite_meta_${tag}`)).toBe(false);
  });

  it('/v1: 403 in its { message } envelope, before the token is even checked', async () => {
    const { token } = await createToken();
    const name = `xsite org ${tag}`;
    const r = await fetch(`${apiUrl}/v1/organizations`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Origin: EVIL },
      body: JSON.stringify({ name }),
    });
    expect(r.status).toBe(403);
    expect(Object.keys(await r.json())).toEqual(['message']);
    expect((await db().query('SELECT 1 FROM basalt.organizations WHERE name = $1', [name])).rowCount).toBe(0);
  });
});

describe('CORS', () => {
  it('admin surfaces answer no CORS to other origins and never grant credentials; the data APIs keep the permissive CORS', async () => {
    for (const path of ['/api/schemas', '/v1/organizations', '/schemas']) {
      const r = await fetch(`${apiUrl}${path}`, { headers: { Authorization: adminAuth, Origin: EVIL } });
      expect(r.headers.get('access-control-allow-origin'), path).toBeNull();
      expect(r.headers.get('access-control-allow-credentials'), path).toBeNull();
      const pre = await fetch(`${apiUrl}${path}`, { method: 'OPTIONS', headers: { Origin: EVIL, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization' } });
      expect(pre.headers.get('access-control-allow-origin'), path).toBeNull();
      expect(pre.headers.get('access-control-allow-methods'), path).toBeNull();
      expect(pre.headers.get('access-control-allow-credentials'), path).toBeNull();
    }
    const rest = await fetch(`${restUrl}/`, { headers: { Origin: EVIL } });
    expect(rest.headers.get('access-control-allow-origin')).toBe('*');
    expect(rest.headers.get('access-control-allow-credentials')).toBeNull();
    const records = await fetch(`${apiUrl}/api/database/records/x`, { method: 'OPTIONS', headers: { Origin: EVIL, 'Access-Control-Request-Method': 'POST' } });
    expect(records.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('ADMIN_ALLOWED_ORIGINS', () => {
  const ADMIN_UI = 'https://admin.example.com';
  let stack: IsolatedStack;
  beforeAll(async () => {
    stack = await isolatedStack('xsite', { ADMIN_ALLOWED_ORIGINS: `${ADMIN_UI}, http://localhost:5173` });
  }, 60_000);
  afterAll(() => stack?.stop());

  it('a listed origin may write (even marked cross-site), gets CORS for itself, never credentials', async () => {
    const table = `xsite_allowed_${tag}`;
    const r = await post('/api/query', { sql: `CREATE TABLE public.${table} (id int)` }, { Origin: ADMIN_UI, 'Sec-Fetch-Site': 'cross-site' }, stack.base);
    expect(r.status, await r.clone().text()).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe(ADMIN_UI);
    expect(r.headers.get('vary')).toMatch(/Origin/);
    expect(r.headers.get('access-control-allow-credentials')).toBeNull();
    await poll(async () => ((await tableExists(table)) ? true : undefined), 'the table', 5_000);
    await db().query(`DROP TABLE public.${table}`);
    const pre = await fetch(`${stack.base}/api/query`, { method: 'OPTIONS', headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST' } });
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(pre.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('is a list of origins: anything else is a configuration error (the server does not start)', () => {
    const env = (v: string) => ({ ...testEnv({ databaseUrl, redisUrl, port: 1 }), ADMIN_ALLOWED_ORIGINS: v });
    expect(parseConfig(env(`${ADMIN_UI},http://localhost:5173`)).ADMIN_ALLOWED_ORIGINS).toEqual([ADMIN_UI, 'http://localhost:5173']);
    expect(parseConfig(env('')).ADMIN_ALLOWED_ORIGINS).toEqual([]);
    for (const bad of ['admin.example.com', 'https://admin.example.com/app', '*', 'ftp://x.example']) {
      expect(() => parseConfig(env(bad)), bad).toThrow(ConfigError);
      expect(() => parseConfig(env(bad)), bad).toThrow(/ADMIN_ALLOWED_ORIGINS/);
    }
  });

  it('other origins are still refused there', async () => {
    const r = await post('/api/query', { sql: 'SELECT 1' }, { Origin: EVIL }, stack.base);
    expect(r.status).toBe(403);
    // A listed origin's look-alike is not listed.
    expect((await post('/api/query', { sql: 'SELECT 1' }, { Origin: `${ADMIN_UI}.evil.example` }, stack.base)).status).toBe(403);
  });

  it('behind a trusted proxy, the forwarded scheme makes the https origin the server\'s own', async () => {
    const host = new URL(stack.base).host;
    const r = await post('/api/query', { sql: 'SELECT 1' }, { Origin: `https://${host}`, 'X-Forwarded-Proto': 'https' }, stack.base);
    expect(r.status).toBe(200);
    expect((await post('/api/query', { sql: 'SELECT 1' }, { Origin: `https://${host}` }, stack.base)).status).toBe(403);
  });
});
