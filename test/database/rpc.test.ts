/**
 * /api/database/rpc/:fn (shared/seeds/database-api.md): every HTTP method the seed
 * lists, arguments from the body or the query string, result shapes, running as the
 * caller (role, claims, RLS, EXECUTE privileges) and the seed's error envelope.
 *
 * Functions and tables are created here in `public` with the `dbrec_rpc_` prefix.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { apiUrl, db } from '../support/env.ts';
import { anonKey, userToken } from '../support/keys.ts';
import { poll } from '../support/processes.ts';
import { caller, type Json, type Reply } from '../support/http.ts';

const base = `${apiUrl}/api/database/rpc`;
const USER_A = '33333333-3333-4333-8333-333333333333';
const USER_B = '44444444-4444-4444-8444-444444444444';

const call = caller(base, anonKey);

function expectEnvelope(r: Reply, status: number, error: string) {
  expect(r.status).toBe(status);
  const body = r.json();
  expect(body).toMatchObject({ error, statusCode: status });
  expect(typeof body.message).toBe('string');
  expect(typeof body.nextActions).toBe('string');
  return body;
}

const rows = async (sql: string, params: unknown[] = []) => (await db().query(sql, params)).rows;

beforeAll(async () => {
  await db().query(`
    DROP TABLE IF EXISTS public.dbrec_rpc_items, public.dbrec_rpc_log, public.dbrec_rpc_notes CASCADE;
    DROP FUNCTION IF EXISTS public.dbrec_rpc_stats(uuid), public.dbrec_rpc_total(), public.dbrec_rpc_add(int, int),
      public.dbrec_rpc_bump(int), public.dbrec_rpc_fail(), public.dbrec_rpc_whoami(), public.dbrec_rpc_secret(),
      public.dbrec_rpc_my_notes(), public.dbrec_rpc_items_over(int);
    CREATE TABLE public.dbrec_rpc_items (id int PRIMARY KEY, name text NOT NULL, price int NOT NULL);
    INSERT INTO public.dbrec_rpc_items VALUES (1, 'pen', 2), (2, 'book', 15), (3, 'lamp', 40), (4, 'desk', 200);
    CREATE TABLE public.dbrec_rpc_log (n int NOT NULL, by_role text NOT NULL);
    CREATE TABLE public.dbrec_rpc_notes (id int PRIMARY KEY, owner uuid NOT NULL, note text);
    ALTER TABLE public.dbrec_rpc_notes ENABLE ROW LEVEL SECURITY;
    CREATE POLICY dbrec_rpc_notes_own ON public.dbrec_rpc_notes FOR SELECT TO authenticated USING (owner = auth.uid());
    INSERT INTO public.dbrec_rpc_notes VALUES (1, '${USER_A}', 'a'), (2, '${USER_B}', 'b');
    GRANT SELECT ON public.dbrec_rpc_items TO anon, authenticated;
    GRANT INSERT ON public.dbrec_rpc_log TO anon, authenticated;
    GRANT SELECT ON public.dbrec_rpc_notes TO authenticated;

    CREATE FUNCTION public.dbrec_rpc_stats(user_id uuid) RETURNS json LANGUAGE sql STABLE
      AS $$ SELECT json_build_object('user_id', user_id, 'total_posts', 42, 'total_comments', 128) $$;
    CREATE FUNCTION public.dbrec_rpc_total() RETURNS int LANGUAGE sql STABLE AS $$ SELECT 42 $$;
    CREATE FUNCTION public.dbrec_rpc_add(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$;
    CREATE FUNCTION public.dbrec_rpc_items_over(min_price int) RETURNS SETOF public.dbrec_rpc_items LANGUAGE sql STABLE
      AS $$ SELECT * FROM public.dbrec_rpc_items WHERE price > min_price ORDER BY id $$;
    CREATE FUNCTION public.dbrec_rpc_bump(n int) RETURNS void LANGUAGE sql VOLATILE
      AS $$ INSERT INTO public.dbrec_rpc_log VALUES (n, current_user) $$;
    CREATE FUNCTION public.dbrec_rpc_fail() RETURNS int LANGUAGE plpgsql STABLE
      AS $$ BEGIN RAISE EXCEPTION 'boom: nothing to see'; END $$;
    CREATE FUNCTION public.dbrec_rpc_whoami() RETURNS json LANGUAGE sql STABLE
      AS $$ SELECT json_build_object('role', current_user, 'uid', auth.uid()) $$;
    CREATE FUNCTION public.dbrec_rpc_secret() RETURNS text LANGUAGE sql STABLE AS $$ SELECT 'secret' $$;
    REVOKE EXECUTE ON FUNCTION public.dbrec_rpc_secret() FROM PUBLIC, anon;
    GRANT EXECUTE ON FUNCTION public.dbrec_rpc_secret() TO authenticated;
    CREATE FUNCTION public.dbrec_rpc_my_notes() RETURNS SETOF text LANGUAGE sql STABLE
      AS $$ SELECT note FROM public.dbrec_rpc_notes ORDER BY id $$;
  `);
  await poll(async () => ((await call('GET', '/dbrec_rpc_my_notes', { token: userToken(USER_A) })).status === 200 ? true : undefined), 'the functions in the schema cache', 10_000, 25);
});

describe('credentials', () => {
  it('answers 401 UNAUTHORIZED with WWW-Authenticate: Bearer when neither Authorization nor apikey is sent, and runs nothing', async () => {
    const body = {
      error: 'UNAUTHORIZED',
      message: 'No credentials: send a JWT or the anon key as Authorization: Bearer <token> (or the apikey header)',
      statusCode: 401,
      nextActions: 'Send a JWT or the anon key as Authorization: Bearer <token> (or apikey: <key>); the anon key reads and writes as the anon role',
    };
    const before = await rows('SELECT count(*)::int AS n FROM public.dbrec_rpc_log');
    for (const [method, path, o] of [
      ['POST', '/dbrec_rpc_total', {}],
      ['GET', '/dbrec_rpc_add?a=2&b=3', {}],
      ['POST', '/dbrec_rpc_bump', { body: { n: 99 } }],
      ['GET', '/dbrec_rpc_bump?n=98', {}],
      ['POST', '/dbrec_rpc_nonexistent', {}],
    ] as [string, string, Parameters<typeof call>[2]][]) {
      const r = await call(method, path, { ...o, token: null });
      const label = `${method} ${path}`;
      expect(r.status, label).toBe(401);
      expect(r.headers.get('www-authenticate'), label).toBe('Bearer');
      expect(r.headers.get('content-type'), label).toMatch(/^application\/json/);
      expect(r.json(), label).toEqual(body);
    }
    expect(await rows('SELECT count(*)::int AS n FROM public.dbrec_rpc_log')).toEqual(before);
  });

  it('runs as anon with the anon key in Authorization or in apikey', async () => {
    expect((await call('POST', '/dbrec_rpc_whoami')).json()).toEqual({ role: 'anon', uid: null });
    const viaApikey = await call('POST', '/dbrec_rpc_whoami', { token: null, headers: { apikey: anonKey } });
    expect(viaApikey.status, viaApikey.text).toBe(200);
    expect(viaApikey.json()).toEqual({ role: 'anon', uid: null });
  });
});

describe('/api/database/rpc/:fn', () => {
  it('calls a function with JSON arguments (POST) and returns its result', async () => {
    const id = '123e4567-e89b-12d3-a456-426614174000';
    const r = await call('POST', '/dbrec_rpc_stats', { body: { user_id: id } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.json()).toEqual({ user_id: id, total_posts: 42, total_comments: 128 });
  });

  it('calls a function without parameters, with or without a body', async () => {
    const bare = await call('POST', '/dbrec_rpc_total');
    expect(bare.status).toBe(200);
    expect(bare.json()).toBe(42);
    const empty = await call('POST', '/dbrec_rpc_total', { body: {} });
    expect(empty.json()).toBe(42);
  });

  it.each(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])('supports %s', async (method) => {
    const r = method === 'GET' ? await call('GET', '/dbrec_rpc_add?a=2&b=3') : await call(method, '/dbrec_rpc_add', { body: { a: 2, b: 3 } });
    expect(r.status).toBe(200);
    expect(r.json()).toBe(5);
  });

  it('answers HEAD with the headers only', async () => {
    const r = await call('HEAD', '/dbrec_rpc_add?a=2&b=3');
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
  });

  it('returns sets of rows, with the read grammar (select, filters, order, limit)', async () => {
    const r = await call('POST', '/dbrec_rpc_items_over', { body: { min_price: 10 } });
    expect(r.status).toBe(200);
    expect(r.json().map((x: Json) => x.name)).toEqual(['book', 'lamp', 'desk']);
    const shaped = await call('GET', '/dbrec_rpc_items_over?min_price=10&select=name&price=lt.100&order=price.desc');
    expect(shaped.status).toBe(200);
    expect(shaped.json()).toEqual([{ name: 'lamp' }, { name: 'book' }]);
    const limited = await call('GET', '/dbrec_rpc_items_over?min_price=0&select=id&limit=2&order=id.asc');
    expect(limited.json()).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('runs a volatile function on POST (204 for void) and refuses it on GET', async () => {
    const r = await call('POST', '/dbrec_rpc_bump', { body: { n: 7 } });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect(await rows('SELECT n, by_role FROM public.dbrec_rpc_log WHERE n = 7')).toEqual([{ n: 7, by_role: 'anon' }]);
    const viaGet = await call('GET', '/dbrec_rpc_bump?n=8');
    const body = expectEnvelope(viaGet, 405, 'METHOD_NOT_ALLOWED');
    expect(body.message).toMatch(/read-only transaction/);
    expect(await rows('SELECT n FROM public.dbrec_rpc_log WHERE n = 8')).toEqual([]);
  });

  it('runs as the caller: role and claims, RLS and EXECUTE privileges', async () => {
    expect((await call('POST', '/dbrec_rpc_whoami')).json()).toEqual({ role: 'anon', uid: null });
    expect((await call('POST', '/dbrec_rpc_whoami', { token: userToken(USER_A) })).json()).toEqual({ role: 'authenticated', uid: USER_A });
    expect((await call('GET', '/dbrec_rpc_my_notes', { token: userToken(USER_A) })).json()).toEqual(['a']);
    expect((await call('GET', '/dbrec_rpc_my_notes', { token: userToken(USER_B) })).json()).toEqual(['b']);
    const anonNotes = expectEnvelope(await call('GET', '/dbrec_rpc_my_notes'), 401, 'PERMISSION_DENIED');
    expect(anonNotes.message).toMatch(/permission denied for table dbrec_rpc_notes/);
    const secret = expectEnvelope(await call('POST', '/dbrec_rpc_secret'), 401, 'PERMISSION_DENIED');
    expect(secret.message).toMatch(/permission denied for function dbrec_rpc_secret/);
    const allowed = await call('POST', '/dbrec_rpc_secret', { token: userToken(USER_A) });
    expect(allowed.status).toBe(200);
    expect(allowed.json()).toBe('secret');
    expectEnvelope(await call('POST', '/dbrec_rpc_total', { token: 'not.a.jwt' }), 401, 'INVALID_TOKEN');
  });

  it('answers 404 FUNCTION_NOT_FOUND for an unknown function or unknown arguments', async () => {
    const unknown = expectEnvelope(await call('POST', '/dbrec_rpc_nonexistent'), 404, 'FUNCTION_NOT_FOUND');
    expect(unknown.message).toMatch(/Could not find the function public\.dbrec_rpc_nonexistent/);
    const args = expectEnvelope(await call('POST', '/dbrec_rpc_add', { body: { a: 1, c: 2 } }), 404, 'FUNCTION_NOT_FOUND');
    expect(args.message).toMatch(/dbrec_rpc_add\(a, c\)/);
    expect(args.message).toMatch(/Perhaps you meant to call the function public\.dbrec_rpc_add\(a, b\)/);
  });

  it('maps argument type errors, raised exceptions and bad bodies to the envelope', async () => {
    const typed = expectEnvelope(await call('POST', '/dbrec_rpc_add', { body: { a: 'x', b: 1 } }), 400, 'VALIDATION_ERROR');
    expect(typed.message).toBe('invalid input syntax for type integer: "x"');
    const raised = expectEnvelope(await call('POST', '/dbrec_rpc_fail'), 400, 'BAD_REQUEST');
    expect(raised.message).toBe('boom: nothing to see');
    const filter = expectEnvelope(await call('GET', '/dbrec_rpc_items_over?min_price=0&order=price.sideways'), 400, 'INVALID_QUERY');
    expectEnvelope(await call('GET', '/dbrec_rpc_items_over?min_price=0&select=nope'), 400, 'INVALID_QUERY');
    expect(filter.nextActions).toBe('Check PostgREST filter documentation');
    const malformed = await call('POST', '/dbrec_rpc_add', { raw: '{"a":' });
    expect(malformed.status).toBe(400);
    expect(malformed.json()).toMatchObject({ error: 'INVALID_JSON', statusCode: 400 });
  });
});
