/**
 * End to end: a project made through /v1 is a real database with its own data API, reached
 * by Host header and by path prefix, with its own keys; its types are generated; deleting it
 * drops the database, here and on another API instance.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createClient } from '@supabase/supabase-js';
import { apiUrl, databaseUrl, db, redisUrl } from '../support/env.ts';
import { anonKey as defaultAnonKey } from '../support/keys.ts';
import { supabaseTestOptions } from '../support/keys.ts';
import { testEnv } from '../support/test-env.ts';
import { startProcess, stopProcess, whenReady, poll, type Started } from '../support/processes.ts';
import { freePort } from '../../scripts/local-services.ts';
import { newOrganization, newProject, newToken, v1, type V1 } from './core-support.ts';

const BASE_DOMAIN = 'projects.basalt.test';

/** fetch over node:http, so that Host can be set (undici's fetch sends the URL's host). */
function fetchWithHost(host: string): typeof fetch {
  return (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => (headers[k] = v));
    headers.host = host;
    const body = init.body == null ? undefined : typeof init.body === 'string' ? init.body : Buffer.from(await new Response(init.body).arrayBuffer());
    return new Promise<Response>((resolve, reject) => {
      const req = http.request(url, { method: init.method ?? 'GET', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
          const status = res.statusCode ?? 500;
          resolve(new Response(status === 204 || status === 304 ? null : Buffer.concat(chunks), { status, headers: h }));
        });
      });
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }) as typeof fetch;
}

/** A raw request with a Host header; answers status and parsed JSON body. */
async function withHost(host: string, path: string, headers: Record<string, string> = {}, base = apiUrl) {
  const res = await fetchWithHost(host)(`${base}${path}`, { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

const ownerUrl = (ref: string, password: string) => {
  const u = new URL(databaseUrl);
  u.username = `owner_${ref}`;
  u.password = password;
  u.pathname = `/project_${ref}`;
  return u.toString();
};

async function asOwner(ref: string, password: string, sql: string) {
  const c = new pg.Client({ connectionString: ownerUrl(ref, password) });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

describe('a project’s own data API', () => {
  let call: V1;
  let ref: string;
  let keys: { anon: string; service_role: string };
  let other: { ref: string; anon: string };
  const PASS = 'e2e-project-password';

  beforeAll(async () => {
    call = v1((await newToken('data-api-test')).token);
    const org = await newOrganization(call, 'data-api-test org');
    const [p, q] = await Promise.all([newProject(call, org.slug, 'e2e', PASS), newProject(call, org.slug, 'e2e other', 'Other-pass-42')]);
    ref = p.ref;
    const get = async (r: string) => {
      const k = (await call('GET', `/projects/${r}/api-keys`)).json() as { name: string; api_key: string }[];
      return Object.fromEntries(k.map((x) => [x.name, x.api_key])) as { anon: string; service_role: string };
    };
    keys = await get(ref);
    other = { ref: q.ref, anon: (await get(q.ref)).anon };
    // A table made through the project's own database, as its owner, with db_pass.
    await asOwner(
      ref,
      PASS,
      `CREATE TABLE todos (id serial PRIMARY KEY, title text NOT NULL, done boolean NOT NULL DEFAULT false);
       INSERT INTO todos (title) VALUES ('write tests'), ('ship it');
       CREATE TABLE private_notes (id int PRIMARY KEY, body text);
       ALTER TABLE private_notes ENABLE ROW LEVEL SECURITY;
       INSERT INTO private_notes VALUES (1, 'service only');`,
    );
    await asOwner(other.ref, 'Other-pass-42', `CREATE TABLE todos (id int PRIMARY KEY, title text); INSERT INTO todos VALUES (99, 'other project');`);
  }, 120_000);

  afterAll(async () => {
    if (other?.ref) await call('DELETE', `/projects/${other.ref}`);
  });

  it('serves supabase-js through the path prefix /project/<ref>', async () => {
    const sb = createClient(`${apiUrl}/project/${ref}`, keys.anon, supabaseTestOptions);
    const { data, error } = await sb.from('todos').select('id, title, done').order('id');
    expect(error).toBeNull();
    expect(data).toEqual([
      { id: 1, title: 'write tests', done: false },
      { id: 2, title: 'ship it', done: false },
    ]);
    const ins = await sb.from('todos').insert({ title: 'from supabase-js' }).select('title').single();
    expect(ins.error).toBeNull();
    expect(ins.data).toEqual({ title: 'from supabase-js' });
    const { rows } = await asOwner(ref, PASS, `SELECT title FROM todos WHERE title = 'from supabase-js'`);
    expect(rows).toHaveLength(1);
  });

  it('serves supabase-js through Host: <ref>.<PROJECT_BASE_DOMAIN> (any port)', async () => {
    for (const host of [`${ref}.${BASE_DOMAIN}`, `${ref}.${BASE_DOMAIN}:8443`, `${ref.toUpperCase()}.${BASE_DOMAIN.toUpperCase()}`]) {
      const sb = createClient(apiUrl, keys.anon, { ...supabaseTestOptions, global: { fetch: fetchWithHost(host) } });
      const { data, error } = await sb.from('todos').select('title').eq('id', 2);
      expect(error, host).toBeNull();
      expect(data).toEqual([{ title: 'ship it' }]);
    }
  });

  it('has its own keys: row-level security holds for anon, service_role bypasses it', async () => {
    const anon = createClient(`${apiUrl}/project/${ref}`, keys.anon, supabaseTestOptions);
    expect((await anon.from('private_notes').select('*')).data).toEqual([]);
    const service = createClient(`${apiUrl}/project/${ref}`, keys.service_role, supabaseTestOptions);
    expect((await service.from('private_notes').select('*')).data).toEqual([{ id: 1, body: 'service only' }]);
  });

  it("refuses the default database's anon key, and another project's key", async () => {
    for (const key of [defaultAnonKey, other.anon]) {
      const r = await withHost(`${ref}.${BASE_DOMAIN}`, '/rest/v1/todos', { apikey: key, Authorization: `Bearer ${key}` });
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ code: 'PGRST301' });
    }
    // …and the project's key does not work on the default database either.
    const d = await fetch(`${apiUrl}/rest/v1/todos`, { headers: { apikey: keys.anon, Authorization: `Bearer ${keys.anon}` } });
    expect(d.status).toBe(401);
  });

  it('keeps projects apart: the other project answers with its own rows', async () => {
    const sb = createClient(`${apiUrl}/project/${other.ref}`, other.anon, supabaseTestOptions);
    expect((await sb.from('todos').select('id, title')).data).toEqual([{ id: 99, title: 'other project' }]);
  });

  it('reloads its schema cache after DDL in the project database', async () => {
    const sb = createClient(`${apiUrl}/project/${ref}`, keys.anon, supabaseTestOptions);
    expect((await sb.from('todos').select('id').limit(1)).error).toBeNull(); // the runtime is warm
    await asOwner(ref, PASS, `CREATE TABLE tags (name text PRIMARY KEY); INSERT INTO tags VALUES ('fresh');`);
    const data = await poll(async () => {
      const r = await sb.from('tags').select('name');
      return r.error ? undefined : r.data;
    }, 'the new table to be served', 10_000);
    expect(data).toEqual([{ name: 'fresh' }]);
  });

  it('answers unknown projects with 404 in the data API envelope', async () => {
    for (const [host, path] of [
      [`zzzzzzzzzzzzzzzzzzzz.${BASE_DOMAIN}`, '/rest/v1/todos'],
      [`not-a-ref.${BASE_DOMAIN}`, '/rest/v1/todos'],
      ['127.0.0.1', '/project/zzzzzzzzzzzzzzzzzzzz/rest/v1/todos'],
      ['127.0.0.1', '/project/NOT_A_REF/rest/v1/todos'],
    ]) {
      const r = await withHost(host, path, { apikey: keys.anon });
      expect(r.status, `${host}${path}`).toBe(404);
      expect(Object.keys(r.body).sort()).toEqual(['code', 'details', 'hint', 'message']);
    }
  });

  it('counts refused keys as failed logins against the project and bans the address', async () => {
    const ip = `203.0.113.${10 + Math.floor(Math.random() * 200)}`;
    const path = `/project/${ref}/rest/v1/todos?select=id&limit=1`;
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${apiUrl}${path}`, { headers: { apikey: defaultAnonKey, 'X-Forwarded-For': ip } });
      expect(r.status).toBe(401);
    }
    const banned = await fetch(`${apiUrl}${path}`, { headers: { apikey: keys.anon, 'X-Forwarded-For': ip } });
    expect(banned.status).toBe(403);
    expect(await banned.json()).toMatchObject({ code: 'ADDRESS_BANNED' });
    // Another address, and the same address on another project, are unaffected.
    expect((await fetch(`${apiUrl}${path}`, { headers: { apikey: keys.anon, 'X-Forwarded-For': '198.51.100.78' } })).status).toBe(200);
    const elsewhere = await fetch(`${apiUrl}/project/${other.ref}/rest/v1/todos?select=id`, { headers: { apikey: other.anon, 'X-Forwarded-For': ip } });
    expect(elsewhere.status).toBe(200);
  });

  it('leaves the default database at plain /rest/v1', async () => {
    const r = await fetch(`${apiUrl}/rest/v1/`, { headers: { apikey: defaultAnonKey } });
    expect(r.status).toBe(200);
    const doc = await r.json();
    expect(Object.keys(doc.paths)).not.toContain('/todos');
    const p = await fetch(`${apiUrl}/project/${ref}/rest/v1/`, { headers: { apikey: keys.anon } });
    expect(Object.keys((await p.json()).paths)).toContain('/todos');
  });

  it('generates TypeScript types from the project database', async () => {
    const r = await call('GET', `/projects/${ref}/types/typescript?included_schemas=public`);
    expect(r.status).toBe(200);
    const { types } = r.json();
    expect(types).toMatch(/export type Database = \{/);
    expect(types).toMatch(/todos: \{\s*Row: \{\s*done: boolean\s*id: number\s*title: string/);
    expect(types).toContain('private_notes');
    const bad = await call('GET', `/projects/${ref}/types/typescript?included_schemas=,`);
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.json())).toEqual(['message']);
  });

  describe('with a second API instance', () => {
    let second: Started;
    let secondBase: string;

    beforeAll(async () => {
      const port = await freePort();
      secondBase = `http://127.0.0.1:${port}`;
      second = startProcess('src/api/main.ts', { ...process.env, ...testEnv({ databaseUrl, redisUrl, port }) });
      await whenReady(second);
    }, 60_000);
    afterAll(async () => {
      if (second) await stopProcess(second);
    });

    it('refuses a project that is not ready: 503 on its data API, 409 on types', async () => {
      await db().query(`UPDATE basalt.management_projects SET status = 'COMING_UP' WHERE ref = $1`, [other.ref]);
      try {
        // The second instance has not served this project yet, so it reads the row.
        const d = await withHost(`${other.ref}.${BASE_DOMAIN}`, '/rest/v1/todos', { apikey: other.anon }, secondBase);
        expect(d.status).toBe(503);
        expect(d.body).toMatchObject({ code: 'PROJECT_NOT_READY' });
        expect(d.body.message).toMatch(/COMING_UP/);
        const t = await call('GET', `/projects/${other.ref}/types/typescript`);
        expect(t.status).toBe(409);
        expect(t.json().message).toMatch(/COMING_UP/);
      } finally {
        await db().query(`UPDATE basalt.management_projects SET status = 'ACTIVE_HEALTHY' WHERE ref = $1`, [other.ref]);
      }
      const ok = await withHost(`${other.ref}.${BASE_DOMAIN}`, '/rest/v1/todos?select=id', { apikey: other.anon }, secondBase);
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual([{ id: 99 }]);
    });

    it('closes the pools on every instance, drops the database, and the project is gone', async () => {
      // Warm the project's runtime on the second instance too.
      const before = await withHost(`${ref}.${BASE_DOMAIN}`, '/rest/v1/todos?select=id&limit=1', { apikey: keys.anon }, secondBase);
      expect(before.status).toBe(200);
      const conns = await db().query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1`, [`project_${ref}`]);
      expect(conns.rows[0].n).toBeGreaterThan(0);

      const r = await call('DELETE', `/projects/${ref}`);
      expect(r.status).toBe(200);
      expect(r.json()).toEqual({ id: ref, ref, name: 'e2e' });

      expect((await db().query('SELECT 1 FROM pg_database WHERE datname = $1', [`project_${ref}`])).rowCount).toBe(0);
      expect((await db().query('SELECT 1 FROM pg_roles WHERE rolname = $1', [`owner_${ref}`])).rowCount).toBe(0);
      for (const base of [apiUrl, secondBase]) {
        const after = await withHost(`${ref}.${BASE_DOMAIN}`, '/rest/v1/todos', { apikey: keys.anon }, base);
        expect(after.status, base).toBe(404);
      }
      // The second instance closed its runtime instead of retrying a database that is gone.
      await new Promise((res) => setTimeout(res, 1500));
      expect(second.output()).not.toMatch(/schema listener (lost|could not)/);
      expect((await call('GET', `/projects/${ref}`)).status).toBe(404);
    }, 60_000);
  });
});
