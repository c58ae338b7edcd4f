/**
 * Authentication and authorisation on /rest/v1 (PostgREST 12–14 semantics, Supabase
 * keys): which role a request runs as, the claims and request settings SQL sees,
 * row level security on rest_write.todos, the tokens the API refuses and how, the
 * anonymous role switched off, and the DB_PRE_REQUEST function.
 *
 * Keys come from test/support/keys.ts (HS256 with the test JWT_SECRET). Every RLS test
 * works with users of its own (random UUIDs), so tests do not see each other's rows.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@supabase/supabase-js';
import { apiUrl, databaseUrl, db, redisUrl, restUrl, testEnv } from '../support/env.ts';
import { startProcess, stopProcess, whenReady, type Started } from '../support/processes.ts';
import { freePort } from '../../scripts/local-services.ts';
import { anonKey, foreignRs256Token, serviceKey, signHs256, signToken, supabaseTestOptions, unsignedToken, userToken } from '../support/keys.ts';
import { JSON_CT, type Json, type Reply, toReply } from '../support/http.ts';

const now = () => Math.floor(Date.now() / 1000);

/** supabase-js as the browser uses it: the anon key, plus a user's token when signed in. */
function client(token?: string) {
  return createClient(apiUrl, anonKey, {
    ...supabaseTestOptions,
    db: { schema: 'rest_write' },
    global: token ? { headers: { Authorization: `Bearer ${token}` } } : undefined,
  });
}

interface RawOptions {
  /** The whole Authorization header value. */
  authorization?: string;
  body?: unknown;
  headers?: Record<string, string>;
  base?: string;
}

/** A raw request in the rest_write profile; no token unless `authorization` is given. */
async function raw(method: string, path: string, o: RawOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = {
    [method === 'GET' || method === 'HEAD' ? 'Accept-Profile' : 'Content-Profile']: 'rest_write',
  };
  if (o.authorization !== undefined) headers.Authorization = o.authorization;
  let body: string | undefined;
  if (o.body !== undefined) {
    body = JSON.stringify(o.body);
    headers['Content-Type'] = 'application/json';
  }
  Object.assign(headers, o.headers);
  const res = await fetch(`${o.base ?? restUrl}${path}`, { method, headers, body });
  return toReply(res);
}

/** POST /rpc/whoami with the given Authorization header (none when undefined). */
const whoami = (authorization?: string, headers: Record<string, string> = {}) =>
  raw('POST', '/rpc/whoami', { authorization, body: {}, headers });

async function rows(sql: string, params: unknown[] = []): Promise<Json[]> {
  return (await db().query(sql, params)).rows;
}

async function seedTodos(user: string, ...tasks: string[]): Promise<number[]> {
  const r = await db().query(
    'INSERT INTO rest_write.todos (user_id, task) SELECT $1, t FROM unnest($2::text[]) AS t RETURNING id',
    [user, tasks],
  );
  return r.rows.map((x) => x.id);
}

describe('keys and roles', () => {
  it('the anon key reads rest_read and rest_write', async () => {
    const anon = client();
    const books = await anon.schema('rest_read').from('books').select('id,title').eq('id', 1);
    expect(books.error).toBeNull();
    expect(books.data).toEqual([{ id: 1, title: 'The Dispossessed' }]);
    const clients = await anon.from('clients').select('id,name').eq('id', 1);
    expect(clients.error).toBeNull();
    expect(clients.data).toEqual([{ id: 1, name: 'Acme' }]);
  });

  it('.schema() picks the profile per query and the response names it', async () => {
    const anon = client();
    const { data, error } = await anon.schema('rest_read').from('publishers').select('name').eq('id', 2);
    expect(error).toBeNull();
    expect(data).toEqual([{ name: 'Faber' }]);
    const res = await fetch(`${restUrl}/publishers?select=name&id=eq.2`, {
      headers: { apikey: anonKey, Authorization: `Bearer ${anonKey}`, 'Accept-Profile': 'rest_read' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-profile')).toBe('rest_read');
    // the same name in the other profile is another table (or none)
    const other = await anon.from('publishers').select('name');
    expect(other.status).toBe(404);
    expect(other.error?.code).toBe('PGRST205');
  });

  it('a request without a token runs as the anon role, with only the role in its claims', async () => {
    const r = await whoami();
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toMatchObject({ current_user: 'anon', claims: { role: 'anon' }, uid: null, auth_role: 'anon' });
  });

  it('the anon key runs as anon and SQL sees its claims', async () => {
    const { data, error } = await client().rpc('whoami');
    expect(error).toBeNull();
    expect(data).toMatchObject({ current_user: 'anon', claims: { role: 'anon', iss: 'basalt' }, uid: null, auth_role: 'anon' });
  });

  it('the service key runs as service_role', async () => {
    const r = await whoami(`Bearer ${serviceKey}`);
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toMatchObject({ current_user: 'service_role', claims: { role: 'service_role' }, auth_role: 'service_role' });
  });

  it("a user's token runs as authenticated; request.jwt.claims holds every claim and auth.uid() the sub", async () => {
    const sub = randomUUID();
    const exp = now() + 3600;
    const token = signHs256({ role: 'authenticated', sub, exp, email: 'ann@example.com', app_metadata: { plan: 'pro' } });
    const { data, error } = await client(token).rpc('whoami');
    expect(error).toBeNull();
    expect(data).toMatchObject({ current_user: 'authenticated', uid: sub, auth_role: 'authenticated' });
    expect(data.claims).toEqual({ role: 'authenticated', sub, exp, email: 'ann@example.com', app_metadata: { plan: 'pro' } });
  });

  it('also sets the legacy per-claim setting request.jwt.claim.sub', async () => {
    // PostgREST dropped these settings in v12 (PR #3032, db-use-legacy-gucs removed);
    // Basalt keeps them for SQL written against older Supabase projects.
    const sub = randomUUID();
    const r = await whoami(`Bearer ${userToken(sub)}`);
    expect(r.status, r.text).toBe(200);
    expect(r.json().legacy_sub).toBe(sub);
    expect(r.json().uid).toBe(sub);
  });

  it('a token without a role claim runs as the anon role, which is added to the claims', async () => {
    const sub = randomUUID();
    const r = await whoami(`Bearer ${signHs256({ sub })}`);
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toMatchObject({ current_user: 'anon', claims: { sub, role: 'anon' }, uid: sub });
  });

  it('accepts the bearer scheme in any case', async () => {
    const r = await whoami(`bearer ${serviceKey}`);
    expect(r.status, r.text).toBe(200);
    expect(r.json().current_user).toBe('service_role');
  });

  it('exposes request.method, request.path and the lower-cased request.headers to SQL', async () => {
    const r = await whoami(`Bearer ${anonKey}`, { 'X-Trace-Id': 'trace-42', apikey: anonKey });
    expect(r.status, r.text).toBe(200);
    const me = r.json();
    expect(me.method).toBe('POST');
    expect(me.path).toBe('/rpc/whoami');
    expect(me.headers['x-trace-id']).toBe('trace-42');
    expect(me.headers.apikey).toBe(anonKey);
    expect(me.headers.authorization).toBe(`Bearer ${anonKey}`);
    const viaGet = await raw('GET', '/rpc/whoami');
    expect(viaGet.json()).toMatchObject({ method: 'GET', path: '/rpc/whoami' });
  });
});

describe('row level security on todos', () => {
  it('a signed-in user inserts rows that default to their own user_id', async () => {
    const a = randomUUID();
    const { data, error, status } = await client(userToken(a)).from('todos').insert({ task: 'write tests' }).select('user_id,task,done');
    expect(error).toBeNull();
    expect(status).toBe(201);
    expect(data).toEqual([{ user_id: a, task: 'write tests', done: false }]);
    expect(await rows('SELECT task FROM rest_write.todos WHERE user_id = $1', [a])).toEqual([{ task: 'write tests' }]);
  });

  it('each user sees only their own rows', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await seedTodos(a, 'a1', 'a2');
    await seedTodos(b, 'b1');
    const asA = await client(userToken(a)).from('todos').select('task').order('task');
    expect(asA.error).toBeNull();
    expect(asA.data).toEqual([{ task: 'a1' }, { task: 'a2' }]);
    const asB = await client(userToken(b)).from('todos').select('task');
    expect(asB.data).toEqual([{ task: 'b1' }]);
    const snoop = await client(userToken(b)).from('todos').select('task').eq('user_id', a);
    expect(snoop.error).toBeNull();
    expect(snoop.data).toEqual([]);
  });

  it("a user can neither change nor delete another user's rows", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const [id] = await seedTodos(a, 'mine');
    const asB = client(userToken(b));
    const upd = await asB.from('todos').update({ task: 'hijacked', done: true }).eq('id', id).select();
    expect(upd.error).toBeNull();
    expect(upd.data).toEqual([]);
    const rawPatch = await raw('PATCH', `/todos?id=eq.${id}`, { authorization: `Bearer ${userToken(b)}`, body: { done: true } });
    expect(rawPatch.status, rawPatch.text).toBe(204);
    expect(rawPatch.headers.get('content-range')).toBe('*/*');
    const delB = await asB.from('todos').delete().eq('id', id).select();
    expect(delB.error).toBeNull();
    expect(delB.data).toEqual([]);
    expect(await rows('SELECT user_id, task, done FROM rest_write.todos WHERE id = $1', [id])).toEqual([{ user_id: a, task: 'mine', done: false }]);
  });

  it('a user cannot insert a row for another user: 403 with PostgreSQL 42501', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const r = await raw('POST', '/todos', { authorization: `Bearer ${userToken(b)}`, body: { user_id: a, task: 'forged' } });
    expect(r.status, r.text).toBe(403);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.json()).toEqual({
      code: '42501',
      message: 'new row violates row-level security policy for table "todos"',
      details: null,
      hint: null,
    });
    const viaClient = await client(userToken(b)).from('todos').insert({ user_id: a, task: 'forged' });
    expect(viaClient.status).toBe(403);
    expect(viaClient.error?.code).toBe('42501');
    expect(await rows('SELECT id FROM rest_write.todos WHERE user_id = $1', [a])).toEqual([]);
  });

  it('a user updates and deletes their own rows', async () => {
    const a = randomUUID();
    const [keep, drop] = await seedTodos(a, 'keep', 'drop');
    const asA = client(userToken(a));
    const upd = await asA.from('todos').update({ done: true }).eq('id', keep).select('id,done');
    expect(upd.error).toBeNull();
    expect(upd.data).toEqual([{ id: keep, done: true }]);
    const del = await asA.from('todos').delete().eq('id', drop);
    expect(del.error).toBeNull();
    expect(del.status).toBe(204);
    expect(await rows('SELECT id, done FROM rest_write.todos WHERE user_id = $1 ORDER BY id', [a])).toEqual([{ id: keep, done: true }]);
  });

  it("anon is refused with 401 and PostgreSQL's 42501 body", async () => {
    const a = randomUUID();
    await seedTodos(a, 'private');
    for (const authorization of [undefined, `Bearer ${anonKey}`]) {
      const r = await raw('GET', '/todos', { authorization });
      expect(r.status, r.text).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Bearer');
      expect(r.json()).toEqual({ code: '42501', message: 'permission denied for table todos', details: null, hint: null });
    }
    const post = await raw('POST', '/todos', { body: { user_id: a, task: 'anon write' } });
    expect(post.status, post.text).toBe(401);
    expect(post.json().code).toBe('42501');
    const viaClient = await client().from('todos').select('*');
    expect(viaClient.status).toBe(401);
    expect(viaClient.data).toBeNull();
    expect(viaClient.error?.code).toBe('42501');
    expect(await rows('SELECT task FROM rest_write.todos WHERE user_id = $1', [a])).toEqual([{ task: 'private' }]);
  });

  it("service_role bypasses RLS and sees every user's rows", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await seedTodos(a, 'sa1', 'sa2');
    await seedTodos(b, 'sb1');
    const { data, error } = await client(serviceKey).from('todos').select('task').in('user_id', [a, b]).order('task');
    expect(error).toBeNull();
    expect(data).toEqual([{ task: 'sa1' }, { task: 'sa2' }, { task: 'sb1' }]);
  });
});

describe('tokens the API refuses', () => {
  const invalidToken = (r: Reply) => {
    expect(r.status, r.text).toBe(401);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description=".+"$/);
    expect(r.json()).toMatchObject({ code: 'PGRST301', hint: null });
  };

  it('a token whose payload was changed after signing', async () => {
    const [head, , sig] = userToken(randomUUID()).split('.');
    const forged = `${head}.${Buffer.from(JSON.stringify({ role: 'service_role' })).toString('base64url')}.${sig}`;
    const r = await whoami(`Bearer ${forged}`);
    invalidToken(r);
    // PostgREST 12 words it after its JOSE library, 13+ in plain words
    expect(r.json()).toMatchObject({ message: 'No suitable key or wrong key type', details: 'None of the keys was able to decode the JWT' });
  });

  it('a token signed with another secret', async () => {
    const r = await whoami(`Bearer ${signHs256({ role: 'service_role' }, 'some-other-secret-that-is-also-32-chars-long')}`);
    invalidToken(r);
    expect(r.json()).toMatchObject({ message: 'No suitable key or wrong key type', details: 'None of the keys was able to decode the JWT' });
  });

  it('an expired token: 401 PGRST303 with WWW-Authenticate naming the error', async () => {
    // well past the clock skew PostgREST tolerates (30 s in 13+)
    const r = await whoami(`Bearer ${signHs256({ role: 'authenticated', sub: randomUUID(), exp: now() - 120 })}`);
    expect(r.status, r.text).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="JWT expired"');
    expect(r.json()).toMatchObject({ code: 'PGRST303', message: 'JWT expired' });
  });

  it('an unsigned token (alg: none)', async () => {
    invalidToken(await whoami(`Bearer ${unsignedToken({ role: 'service_role' })}`));
  });

  it('an RS256 token signed with a key the API does not know', async () => {
    invalidToken(await whoami(`Bearer ${await foreignRs256Token({ role: 'service_role' })}`));
  });

  it('a token that is not three dot-separated parts', async () => {
    const r = await whoami('Bearer abc.def');
    invalidToken(r);
    expect(r.json()).toEqual({ code: 'PGRST301', message: 'Expected 3 parts in JWT; got 2', details: null, hint: null });
    expect(r.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="Expected 3 parts in JWT; got 2"');
  });

  it('accepts HS384 and HS512 tokens signed with the shared secret', async () => {
    for (const alg of ['HS384', 'HS512']) {
      const sub = randomUUID();
      const r = await whoami(`Bearer ${await signToken({ role: 'authenticated', sub }, { alg })}`);
      expect(r.status, `${alg}: ${r.text}`).toBe(200);
      expect(r.json()).toMatchObject({ current_user: 'authenticated', uid: sub });
    }
  });

  it('never runs as a role that does not exist: 401 with PostgreSQL 22023', async () => {
    const r = await whoami(`Bearer ${signHs256({ role: 'no_such_role_xyz' })}`);
    expect(r.status, r.text).toBe(401);
    expect(r.json()).toEqual({ code: '22023', message: 'role "no_such_role_xyz" does not exist', details: null, hint: null });
  });

  it('never runs as the superuser, postgres or authenticator, whatever the token says', async () => {
    const superuser = decodeURIComponent(new URL(databaseUrl).username);
    const owner = randomUUID();
    const [id] = await seedTodos(owner, 'not yours');
    for (const role of [superuser, 'postgres', 'authenticator']) {
      const token = signHs256({ role });
      const r = await whoami(`Bearer ${token}`);
      expect(r.status, `${role}: ${r.text}`).toBeGreaterThanOrEqual(400);
      expect(r.status, `${role}: ${r.text}`).toBeLessThan(500);
      expect(r.text).not.toContain('current_user');
      // nor can it write past RLS as that role
      const p = await raw('PATCH', `/todos?id=eq.${id}`, { authorization: `Bearer ${token}`, body: { task: `written as ${role}` } });
      expect(p.status, `${role}: ${p.text}`).toBeGreaterThanOrEqual(400);
      expect(p.status, `${role}: ${p.text}`).toBeLessThan(500);
    }
    expect(await rows('SELECT task FROM rest_write.todos WHERE id = $1', [id])).toEqual([{ task: 'not yours' }]);
  });
});

describe('DB_PRE_REQUEST', () => {
  it('runs before every request and can refuse it with its own status and message', async () => {
    const r = await raw('GET', '/clients?id=eq.1', { headers: { 'X-Block': 'yes' } });
    expect(r.status, r.text).toBe(403);
    expect(r.headers.get('content-type')).toBe(JSON_CT);
    expect(r.json()).toEqual({ code: 'PT403', message: 'blocked by pre-request', details: null, hint: null });
    const rpc = await raw('POST', '/rpc/add_them', { body: { a: 1, b: 2 }, headers: { 'X-Block': '1' } });
    expect(rpc.status, rpc.text).toBe(403);
  });

  it('refuses a write before it happens', async () => {
    const r = await raw('POST', '/clients', { body: { id: 30901, name: 'Blocked' }, headers: { 'X-Block': 'yes' } });
    expect(r.status, r.text).toBe(403);
    expect(r.json().code).toBe('PT403');
    expect(await rows('SELECT id FROM rest_write.clients WHERE id = 30901')).toEqual([]);
  });

  it('lets requests without the header through', async () => {
    const r = await raw('GET', '/clients?id=eq.1&select=name');
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([{ name: 'Acme' }]);
  });
});

describe('with anonymous access disabled (DB_ANON_ROLE empty)', () => {
  let api: Started | undefined;
  let base = '';

  beforeAll(async () => {
    const port = await freePort();
    api = startProcess('src/api/main.ts', { ...process.env, ...testEnv({ databaseUrl, redisUrl, port }), DB_ANON_ROLE: '' });
    await whenReady(api);
    base = `http://127.0.0.1:${port}/rest/v1`;
  });

  afterAll(async () => {
    if (api) await stopProcess(api);
  });

  it('refuses a request without a token with 401 PGRST302', async () => {
    const r = await raw('GET', '/clients?id=eq.1', { base });
    expect(r.status, r.text).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Bearer');
    expect(r.json()).toEqual({ code: 'PGRST302', message: 'Anonymous access is disabled', details: null, hint: null });
  });

  it('refuses a token without a role claim with 401 PGRST302', async () => {
    const r = await raw('GET', '/clients?id=eq.1', { base, authorization: `Bearer ${signHs256({ sub: randomUUID() })}` });
    expect(r.status, r.text).toBe(401);
    expect(r.json().code).toBe('PGRST302');
  });

  it('still serves tokens that name a role, the anon key included', async () => {
    for (const token of [anonKey, userToken(randomUUID())]) {
      const r = await raw('GET', '/clients?id=eq.1&select=name', { base, authorization: `Bearer ${token}` });
      expect(r.status, r.text).toBe(200);
      expect(r.json()).toEqual([{ name: 'Acme' }]);
    }
  });
});
