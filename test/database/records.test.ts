/**
 * /api/database/records/:table (shared/seeds/database-api.md): reads with filters,
 * paging, X-Total-Count and Content-Range; JSON-array inserts, upserts, updates and
 * deletes; RLS as the caller; `?schema=`; and the seed's error envelope.
 *
 * Tables are created here in `public` with the `dbrec_` prefix.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { apiUrl, db } from '../support/env.ts';
import { anonKey, userToken } from '../support/keys.ts';
import { poll } from '../support/processes.ts';
import { caller, type Json, type Reply } from '../support/http.ts';

const base = `${apiUrl}/api/database/records`;
const USER_A = '11111111-1111-4111-8111-111111111111';
const USER_B = '22222222-2222-4222-8222-222222222222';

const call = caller(base, anonKey);

const get = (path: string, o: Parameters<typeof call>[2] = {}) => call('GET', path, o);
const rows = async (sql: string, params: unknown[] = []) => (await db().query(sql, params)).rows;

function expectEnvelope(r: Reply, status: number, error: string) {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/application\/json/);
  const body = r.json();
  expect(body).toMatchObject({ error, statusCode: status });
  expect(typeof body.message).toBe('string');
  expect(typeof body.nextActions).toBe('string');
  return body;
}

beforeAll(async () => {
  await db().query(`
    DROP TABLE IF EXISTS public.dbrec_posts, public.dbrec_many, public.dbrec_settings, public.dbrec_private CASCADE;
    CREATE TABLE public.dbrec_posts (
      id serial PRIMARY KEY,
      title text NOT NULL,
      status text,
      published boolean NOT NULL DEFAULT false,
      views int NOT NULL DEFAULT 0,
      slug text UNIQUE,
      deleted_at timestamptz
    );
    INSERT INTO public.dbrec_posts (title, status, published, views, slug, deleted_at) VALUES
      ('Alpha', 'published', true, 10, 'alpha', NULL),
      ('Beta', 'draft', false, 5, 'beta', NULL),
      ('Gamma', 'published', true, 30, 'gamma', now()),
      ('delta', 'pending', false, 1, 'delta', NULL);
    CREATE TABLE public.dbrec_many (n int PRIMARY KEY);
    INSERT INTO public.dbrec_many SELECT g FROM generate_series(1, 150) g;
    CREATE TABLE public.dbrec_settings (user_id uuid PRIMARY KEY, theme text NOT NULL, notifications boolean NOT NULL DEFAULT true);
    CREATE TABLE public.dbrec_private (id int PRIMARY KEY, owner uuid NOT NULL, note text);
    ALTER TABLE public.dbrec_private ENABLE ROW LEVEL SECURITY;
    CREATE POLICY dbrec_private_own ON public.dbrec_private FOR ALL TO authenticated USING (owner = auth.uid()) WITH CHECK (owner = auth.uid());
    INSERT INTO public.dbrec_private VALUES (1, '${USER_A}', 'a1'), (2, '${USER_A}', 'a2'), (3, '${USER_B}', 'b1');
    GRANT SELECT, INSERT, UPDATE, DELETE ON public.dbrec_posts, public.dbrec_many, public.dbrec_settings TO anon, authenticated;
    GRANT USAGE ON SEQUENCE public.dbrec_posts_id_seq TO anon, authenticated;
    GRANT SELECT, INSERT, UPDATE, DELETE ON public.dbrec_private TO authenticated;
  `);
  // The DDL event trigger reloads the schema cache; wait until the API sees every table.
  for (const t of ['dbrec_posts', 'dbrec_many', 'dbrec_settings']) {
    await poll(async () => ((await get(`/${t}?limit=1`)).status === 200 ? true : undefined), `${t} in the schema cache`, 10_000, 25);
  }
  await poll(async () => ((await get('/dbrec_private', { token: userToken(USER_A) })).status === 200 ? true : undefined), 'dbrec_private', 10_000, 25);
});

describe('GET /api/database/records/:table', () => {
  it('returns the rows as a JSON array with X-Total-Count and Content-Range', async () => {
    const r = await get('/dbrec_posts?select=id,title&order=id.asc');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.json().map((x: Json) => x.title)).toEqual(['Alpha', 'Beta', 'Gamma', 'delta']);
    expect(Object.keys(r.json()[0])).toEqual(['id', 'title']);
    expect(r.headers.get('x-total-count')).toBe('4');
    expect(r.headers.get('content-range')).toBe('0-3/4');
    // The count the route adds is not echoed as a preference the client made.
    expect(r.headers.get('preference-applied')).toBeNull();
  });

  it('applies the default limit of 100 and answers 200 for a partial page', async () => {
    const r = await get('/dbrec_many?order=n.asc');
    expect(r.status).toBe(200);
    expect(r.json()).toHaveLength(100);
    expect(r.json()[99]).toEqual({ n: 100 });
    expect(r.headers.get('x-total-count')).toBe('150');
    expect(r.headers.get('content-range')).toBe('0-99/150');
  });

  it('pages with limit and offset', async () => {
    const r = await get('/dbrec_many?order=n.asc&limit=20&offset=20');
    expect(r.status).toBe(200);
    expect(r.json().map((x: Json) => x.n)).toEqual(Array.from({ length: 20 }, (_, i) => 21 + i));
    expect(r.headers.get('content-range')).toBe('20-39/150');
    expect(r.headers.get('x-total-count')).toBe('150');
    const max = await get('/dbrec_many?limit=1000');
    expect(max.status).toBe(200);
    expect(max.json()).toHaveLength(150);
    const offsetOnly = await get('/dbrec_many?order=n.asc&offset=140');
    expect(offsetOnly.json().map((x: Json) => x.n)).toEqual(Array.from({ length: 10 }, (_, i) => 141 + i));
    expect(offsetOnly.headers.get('content-range')).toBe('140-149/150');
  });

  it('answers an empty page, not 416, past the last row', async () => {
    const r = await get('/dbrec_many?limit=10&offset=500');
    expect(r.status).toBe(200);
    expect(r.json()).toEqual([]);
    expect(r.headers.get('x-total-count')).toBe('150');
    expect(r.headers.get('content-range')).toBe('*/150');
  });

  it.each(['0', '1001', '-1', 'abc', '', '2.5'])('rejects limit=%s with 400 INVALID_QUERY', async (limit) => {
    const body = expectEnvelope(await get(`/dbrec_many?limit=${limit}`), 400, 'INVALID_QUERY');
    expect(body.message).toMatch(/limit must be an integer between 1 and 1000/);
  });

  it.each(['-1', 'x'])('rejects offset=%s with 400 INVALID_QUERY', async (offset) => {
    const body = expectEnvelope(await get(`/dbrec_many?offset=${offset}`), 400, 'INVALID_QUERY');
    expect(body.message).toMatch(/offset must be a non-negative integer/);
  });

  it('filters with the PostgREST operators', async () => {
    const titles = async (q: string) => {
      const r = await get(`/dbrec_posts?select=title&order=id.asc&${q}`);
      expect(r.status).toBe(200);
      return r.json().map((x: Json) => x.title);
    };
    expect(await titles('status=eq.published')).toEqual(['Alpha', 'Gamma']);
    expect(await titles('status=neq.published')).toEqual(['Beta', 'delta']);
    expect(await titles('views=gt.5')).toEqual(['Alpha', 'Gamma']);
    expect(await titles('views=gte.5&views=lte.10')).toEqual(['Alpha', 'Beta']);
    expect(await titles('views=lt.5')).toEqual(['delta']);
    expect(await titles('title=like.*lph*')).toEqual(['Alpha']);
    expect(await titles('title=ilike.D*')).toEqual(['delta']);
    expect(await titles('status=in.(draft,pending)')).toEqual(['Beta', 'delta']);
    expect(await titles('deleted_at=is.null')).toEqual(['Alpha', 'Beta', 'delta']);
    expect(await titles('published=is.true')).toEqual(['Alpha', 'Gamma']);
    const ordered = await get('/dbrec_posts?select=title&order=views.desc&limit=2');
    expect(ordered.json()).toEqual([{ title: 'Gamma' }, { title: 'Alpha' }]);
    const counted = await get('/dbrec_posts?status=eq.published&limit=1');
    expect(counted.headers.get('x-total-count')).toBe('2');
    expect(counted.headers.get('content-range')).toBe('0-0/2');
  });

  it('answers 404 TABLE_NOT_FOUND for an unknown table', async () => {
    const body = expectEnvelope(await get('/dbrec_nonexistent'), 404, 'TABLE_NOT_FOUND');
    expect(body.message).toMatch(/^Table 'dbrec_nonexistent' does not exist/);
    expect(body.nextActions).toBe('Check table name and try again');
  });

  it('answers 400 INVALID_QUERY for bad filters, unknown columns and bad select/order', async () => {
    for (const q of ['status=foo.bar', 'status=eq', 'nope=eq.1', 'select=nope', 'order=nope.desc', 'select=title,(', 'views=gt.abc']) {
      const r = await get(`/dbrec_posts?${q}`);
      const expected = q === 'views=gt.abc' ? 'VALIDATION_ERROR' : 'INVALID_QUERY';
      expectEnvelope(r, 400, expected);
    }
    const col = expectEnvelope(await get('/dbrec_posts?nope=eq.1'), 400, 'INVALID_QUERY');
    expect(col.message).toMatch(/column dbrec_posts\.nope does not exist/);
    expect(col.nextActions).toBe('Check PostgREST filter documentation');
    // A bad value for a column's type is PostgreSQL's own message.
    const typed = expectEnvelope(await get('/dbrec_posts?views=gt.abc'), 400, 'VALIDATION_ERROR');
    expect(typed.message).toMatch(/invalid input syntax for type integer: "abc"/);
  });

  it('selects the schema with ?schema= and does not treat it as a filter', async () => {
    const r = await get('/publishers?schema=rest_read&select=name&order=id.asc&limit=2');
    expect(r.status).toBe(200);
    expect(r.json()).toEqual([{ name: 'Penguin' }, { name: 'Faber' }]);
    expect(r.headers.get('x-total-count')).toBe('4');
    // The same table is not in public.
    expectEnvelope(await get('/publishers'), 404, 'TABLE_NOT_FOUND');
    const pub = await get('/dbrec_posts?schema=public&limit=1');
    expect(pub.status).toBe(200);
  });

  it('answers 400 INVALID_SCHEMA for a schema that is not exposed', async () => {
    const body = expectEnvelope(await get('/dbrec_posts?schema=nowhere'), 400, 'INVALID_SCHEMA');
    expect(body.message).toMatch(/nowhere/);
    expect(body.message).toMatch(/public, rest_read, rest_write/);
    expectEnvelope(await get('/dbrec_posts?schema=pg_catalog'), 400, 'INVALID_SCHEMA');
  });

  it('answers 401 INVALID_TOKEN for a token that does not verify', async () => {
    const r = await get('/dbrec_posts', { token: 'not.a.jwt' });
    expectEnvelope(r, 401, 'INVALID_TOKEN');
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });
});

describe('POST /api/database/records/:table', () => {
  it('inserts an array of records; 201 with no body without Prefer', async () => {
    const r = await call('POST', '/dbrec_posts', { body: [{ title: 'Post 1', slug: 'p1' }, { title: 'Post 2', slug: 'p2' }] });
    expect(r.status).toBe(201);
    expect(r.text).toBe('');
    expect(await rows(`SELECT title, published FROM public.dbrec_posts WHERE slug IN ('p1','p2') ORDER BY slug`)).toEqual([
      { title: 'Post 1', published: false },
      { title: 'Post 2', published: false },
    ]);
  });

  it('returns the created records with Prefer: return=representation', async () => {
    const r = await call('POST', '/dbrec_posts', { body: [{ title: 'Rep', slug: 'rep', published: true }], headers: { Prefer: 'return=representation' } });
    expect(r.status).toBe(201);
    const [row] = r.json();
    expect(row).toMatchObject({ title: 'Rep', slug: 'rep', published: true, views: 0, status: null });
    expect(typeof row.id).toBe('number');
    expect(await rows(`SELECT id FROM public.dbrec_posts WHERE slug = 'rep'`)).toEqual([{ id: row.id }]);
  });

  it.each([
    ['an object', { title: 'single', slug: 'single-obj' }],
    ['an array of non-objects', [1, 2]],
    ['an array holding an array', [[{ title: 'x' }]]],
    ['an array holding null', [null]],
  ])('rejects %s with 400 VALIDATION_ERROR and inserts nothing', async (_what, body) => {
    const before = await rows('SELECT count(*)::int AS n FROM public.dbrec_posts');
    const r = await call('POST', '/dbrec_posts', { body });
    const env = expectEnvelope(r, 400, 'VALIDATION_ERROR');
    expect(env.message).toMatch(/JSON array|JSON object/);
    expect(await rows('SELECT count(*)::int AS n FROM public.dbrec_posts')).toEqual(before);
  });

  it('rejects a body that is missing or not JSON with 400', async () => {
    expectEnvelope(await call('POST', '/dbrec_posts'), 400, 'VALIDATION_ERROR');
    expectEnvelope(await call('POST', '/dbrec_posts', { raw: 'title=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 400, 'VALIDATION_ERROR');
    // JSON the /api body parser refuses (not an object or array, or malformed) never reaches the route.
    for (const raw of ['5', '"text"', '[{"title":']) {
      const r = await call('POST', '/dbrec_posts', { raw });
      expect(r.status).toBe(400);
      expect(r.json()).toMatchObject({ error: 'INVALID_JSON', statusCode: 400 });
    }
  });

  it('maps type errors and constraint violations to VALIDATION_ERROR with PostgreSQL\'s message', async () => {
    const typed = expectEnvelope(await call('POST', '/dbrec_posts', { body: [{ title: 'bad', published: 'notabool' }] }), 400, 'VALIDATION_ERROR');
    expect(typed.message).toBe('invalid input syntax for type boolean: "notabool"');
    const notNull = expectEnvelope(await call('POST', '/dbrec_posts', { body: [{ status: 'draft' }] }), 400, 'VALIDATION_ERROR');
    expect(notNull.message).toMatch(/null value in column "title" of relation "dbrec_posts" violates not-null constraint/);
    const dup = expectEnvelope(await call('POST', '/dbrec_posts', { body: [{ title: 'dup', slug: 'alpha' }] }), 409, 'VALIDATION_ERROR');
    expect(dup.message).toMatch(/duplicate key value violates unique constraint "dbrec_posts_slug_key"/);
    expect(await rows(`SELECT count(*)::int AS n FROM public.dbrec_posts WHERE title IN ('bad', 'dup')`)).toEqual([{ n: 0 }]);
  });

  it('answers 400 INVALID_QUERY for an unknown column and 404 for an unknown table', async () => {
    const col = expectEnvelope(await call('POST', '/dbrec_posts', { body: [{ title: 'x', nope: 1 }] }), 400, 'INVALID_QUERY');
    expect(col.message).toMatch(/'nope' column/);
    expectEnvelope(await call('POST', '/dbrec_nonexistent', { body: [{ a: 1 }] }), 404, 'TABLE_NOT_FOUND');
  });

  it('upserts with Prefer: resolution=merge-duplicates', async () => {
    const id = '123e4567-e89b-12d3-a456-426614174000';
    const first = await call('POST', '/dbrec_settings', { body: [{ user_id: id, theme: 'light', notifications: true }], headers: { Prefer: 'resolution=merge-duplicates,return=representation' } });
    expect(first.status).toBe(201);
    const second = await call('POST', '/dbrec_settings', { body: [{ user_id: id, theme: 'dark', notifications: false }], headers: { Prefer: 'resolution=merge-duplicates,return=representation' } });
    expect(second.status).toBe(200);
    expect(second.json()).toEqual([{ user_id: id, theme: 'dark', notifications: false }]);
    expect(await rows('SELECT theme, notifications FROM public.dbrec_settings WHERE user_id = $1', [id])).toEqual([{ theme: 'dark', notifications: false }]);
  });

  it('ignores duplicates with Prefer: resolution=ignore-duplicates', async () => {
    const id = '223e4567-e89b-12d3-a456-426614174000';
    await call('POST', '/dbrec_settings', { body: [{ user_id: id, theme: 'light' }] });
    const r = await call('POST', '/dbrec_settings', { body: [{ user_id: id, theme: 'dark' }], headers: { Prefer: 'resolution=ignore-duplicates,return=representation' } });
    expect(r.status).toBe(201);
    expect(r.json()).toEqual([]);
    expect(await rows('SELECT theme FROM public.dbrec_settings WHERE user_id = $1', [id])).toEqual([{ theme: 'light' }]);
    // Without a resolution the same insert is a conflict.
    expectEnvelope(await call('POST', '/dbrec_settings', { body: [{ user_id: id, theme: 'dark' }] }), 409, 'VALIDATION_ERROR');
  });
});

describe('PATCH and DELETE /api/database/records/:table', () => {
  it('updates the filtered records: 204 without Prefer, the rows with return=representation', async () => {
    await rows(`INSERT INTO public.dbrec_posts (title, status, slug) VALUES ('u1', 'draft', 'u1'), ('u2', 'draft', 'u2'), ('u3', 'keep', 'u3')`);
    const r = await call('PATCH', '/dbrec_posts?slug=in.(u1,u2)', { body: { status: 'archived' } });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect(await rows(`SELECT slug, status FROM public.dbrec_posts WHERE slug LIKE 'u_' ORDER BY slug`)).toEqual([
      { slug: 'u1', status: 'archived' },
      { slug: 'u2', status: 'archived' },
      { slug: 'u3', status: 'keep' },
    ]);
    const rep = await call('PATCH', '/dbrec_posts?slug=eq.u3', { body: { title: 'Updated' }, headers: { Prefer: 'return=representation' } });
    expect(rep.status).toBe(200);
    expect(rep.json()).toEqual([expect.objectContaining({ slug: 'u3', title: 'Updated', status: 'keep' })]);
  });

  it('rejects bad updates with the seed codes', async () => {
    expectEnvelope(await call('PATCH', '/dbrec_posts?slug=eq.u3', { body: { views: 'many' } }), 400, 'VALIDATION_ERROR');
    expectEnvelope(await call('PATCH', '/dbrec_posts?slug=eq.u3', { body: { nope: 1 } }), 400, 'INVALID_QUERY');
    expectEnvelope(await call('PATCH', '/dbrec_posts?slug=bad.u3', { body: { title: 'x' } }), 400, 'INVALID_QUERY');
    expectEnvelope(await call('PATCH', '/dbrec_posts?slug=eq.u3'), 400, 'VALIDATION_ERROR');
    expectEnvelope(await call('PATCH', '/dbrec_nonexistent?id=eq.1', { body: { a: 1 } }), 404, 'TABLE_NOT_FOUND');
    expect(await rows(`SELECT title, views FROM public.dbrec_posts WHERE slug = 'u3'`)).toEqual([{ title: 'Updated', views: 0 }]);
  });

  it('deletes the filtered records: 204, or the deleted rows with return=representation', async () => {
    await rows(`INSERT INTO public.dbrec_posts (title, status, slug) VALUES ('d1', 'trash', 'd1'), ('d2', 'trash', 'd2'), ('d3', 'trash2', 'd3')`);
    const r = await call('DELETE', '/dbrec_posts?slug=eq.d1');
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    const rep = await call('DELETE', '/dbrec_posts?status=eq.trash', { headers: { Prefer: 'return=representation' } });
    expect(rep.status).toBe(200);
    expect(rep.json()).toEqual([expect.objectContaining({ slug: 'd2', title: 'd2' })]);
    expect(await rows(`SELECT slug FROM public.dbrec_posts WHERE slug LIKE 'd_' ORDER BY slug`)).toEqual([{ slug: 'd3' }]);
    expectEnvelope(await call('DELETE', '/dbrec_posts?slug=nope'), 400, 'INVALID_QUERY');
    expectEnvelope(await call('DELETE', '/dbrec_nonexistent?id=eq.1'), 404, 'TABLE_NOT_FOUND');
  });
});

describe('records run as the caller, with RLS', () => {
  it('shows each user only the rows the policy allows', async () => {
    const a = await get('/dbrec_private?order=id.asc', { token: userToken(USER_A) });
    expect(a.status).toBe(200);
    expect(a.json().map((x: Json) => x.note)).toEqual(['a1', 'a2']);
    expect(a.headers.get('x-total-count')).toBe('2');
    const b = await get('/dbrec_private?order=id.asc', { token: userToken(USER_B) });
    expect(b.json().map((x: Json) => x.note)).toEqual(['b1']);
    // The apikey header works like Authorization.
    const viaApikey = await call('GET', '/dbrec_private', { token: null, headers: { apikey: userToken(USER_B) } });
    expect(viaApikey.json().map((x: Json) => x.note)).toEqual(['b1']);
  });

  it('refuses an insert the policy does not allow (403) and a table the role may not use (401 for the anon key)', async () => {
    const denied = expectEnvelope(
      await call('POST', '/dbrec_private', { token: userToken(USER_B), body: [{ id: 10, owner: USER_A, note: 'forged' }] }),
      403,
      'PERMISSION_DENIED',
    );
    expect(denied.message).toMatch(/row-level security policy/);
    const ok = await call('POST', '/dbrec_private', { token: userToken(USER_B), body: [{ id: 11, owner: USER_B, note: 'mine' }] });
    expect(ok.status).toBe(201);
    expect(await rows('SELECT id, note FROM public.dbrec_private WHERE id IN (10, 11) ORDER BY id')).toEqual([{ id: 11, note: 'mine' }]);
    const anon = await get('/dbrec_private');
    expectEnvelope(anon, 401, 'PERMISSION_DENIED');
    expect(anon.json().message).toMatch(/permission denied for table dbrec_private/);
  });

  it('updates and deletes only the caller\'s rows', async () => {
    const upd = await call('PATCH', '/dbrec_private', { token: userToken(USER_A), body: { note: 'touched' }, headers: { Prefer: 'return=representation' } });
    expect(upd.status).toBe(200);
    expect(upd.json().map((x: Json) => x.id).sort()).toEqual([1, 2]);
    const del = await call('DELETE', '/dbrec_private?id=eq.3', { token: userToken(USER_A), headers: { Prefer: 'return=representation' } });
    expect(del.json()).toEqual([]);
    expect(await rows('SELECT id, note FROM public.dbrec_private WHERE id IN (1, 2, 3) ORDER BY id')).toEqual([
      { id: 1, note: 'touched' },
      { id: 2, note: 'touched' },
      { id: 3, note: 'b1' },
    ]);
  });
});

/** The 401 of a request without Authorization or apikey (the same on records and RPC). */
const NO_CREDENTIALS = {
  error: 'UNAUTHORIZED',
  message: 'No credentials: send a JWT or the anon key as Authorization: Bearer <token> (or the apikey header)',
  statusCode: 401,
  nextActions: 'Send a JWT or the anon key as Authorization: Bearer <token> (or apikey: <key>); the anon key reads and writes as the anon role',
};

describe('credentials', () => {
  it('answers 401 UNAUTHORIZED with WWW-Authenticate: Bearer when neither Authorization nor apikey is sent, on every method, and changes nothing', async () => {
    const before = await rows('SELECT count(*)::int AS n FROM public.dbrec_posts');
    const tries: [string, string, Parameters<typeof call>[2]][] = [
      ['GET', '/dbrec_posts', {}],
      ['GET', '/dbrec_private', {}],
      ['GET', '/no_such_table_dbrec', {}],
      ['HEAD', '/dbrec_posts', {}],
      ['POST', '/dbrec_posts', { body: [{ title: 'no credentials' }] }],
      ['PATCH', '/dbrec_posts?id=gt.0', { body: { title: 'no credentials' } }],
      ['DELETE', '/dbrec_posts?id=gt.0', {}],
      ['GET', '/dbrec_posts', { headers: { Authorization: '  ' } }],
    ];
    for (const [method, path, o] of tries) {
      const r = await call(method, path, { ...o, token: null });
      const label = `${method} ${path}`;
      expect(r.status, label).toBe(401);
      expect(r.headers.get('www-authenticate'), label).toBe('Bearer');
      if (method !== 'HEAD') {
        expect(r.headers.get('content-type'), label).toMatch(/^application\/json/);
        expect(r.json(), label).toEqual(NO_CREDENTIALS);
      }
    }
    expect(await rows('SELECT count(*)::int AS n FROM public.dbrec_posts')).toEqual(before);
    expect(await rows(`SELECT count(*)::int AS n FROM public.dbrec_posts WHERE title = 'no credentials'`)).toEqual([{ n: 0 }]);
  });

  it('still serves the anon key as anon, in Authorization or in apikey; a user JWT in apikey alone is enough', async () => {
    const viaBearer = await get('/dbrec_posts?select=id&limit=1', { token: anonKey });
    expect(viaBearer.status, viaBearer.text).toBe(200);
    const viaApikey = await get('/dbrec_posts?select=id&limit=1', { token: null, headers: { apikey: anonKey } });
    expect(viaApikey.status, viaApikey.text).toBe(200);
    expect(viaApikey.json()).toEqual(viaBearer.json());
    // Anon, not more: the anon key still may not read a table only authenticated users may.
    expectEnvelope(await get('/dbrec_private', { token: null, headers: { apikey: anonKey } }), 401, 'PERMISSION_DENIED');
    const user = await get('/dbrec_private?select=note&order=id.asc', { token: null, headers: { apikey: userToken(USER_A) } });
    expect(user.status, user.text).toBe(200);
  });
});

describe('precision of JSON bodies', () => {
  it('stores bigints above 2^53 and numerics exactly as sent', async () => {
    await db().query(`DROP TABLE IF EXISTS public.dbrec_precise; CREATE TABLE public.dbrec_precise (id int PRIMARY KEY, big bigint, amount numeric); GRANT ALL ON public.dbrec_precise TO anon`);
    await poll(async () => ((await get('/dbrec_precise')).status === 200 ? true : undefined), 'the table to be served', 10_000, 25);
    const res = await fetch(`${base}/dbrec_precise`, {
      method: 'POST',
      headers: { apikey: anonKey, Authorization: `Bearer ${anonKey}`, 'Content-Type': 'application/json' },
      body: '[{"id": 1, "big": 9007199254740993, "amount": 1.10}]',
    });
    expect(res.status, await res.text()).toBe(201);
    expect(await rows(`SELECT big::text, amount::text FROM public.dbrec_precise WHERE id = 1`)).toEqual([{ big: '9007199254740993', amount: '1.10' }]);
  });
});
