/**
 * GET /api/database/functions, /indexes, /policies and /triggers (shared/seeds/database-api.md):
 * the seed's shapes, `?schema=` (default public), admin authentication and errors.
 *
 * Objects are created here in `public` with the `dbrec_lst_` prefix.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, db } from '../support/env.ts';
import { anonKey, serviceKey } from '../support/keys.ts';
import { type Json } from '../support/http.ts';

const base = `${apiUrl}/api/database`;

async function list(path: string, auth: string | null = adminAuth): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await fetch(`${base}${path}`, { headers: auth ? { Authorization: auth } : {} });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

const named = (rows: Json[], name: string) => rows.find((r) => r.name === name);

beforeAll(async () => {
  await db().query(`
    DROP TABLE IF EXISTS public.dbrec_lst_posts CASCADE;
    DROP FUNCTION IF EXISTS public.dbrec_lst_stats(uuid), public.dbrec_lst_touch(), public.dbrec_lst_proc(int);
    CREATE TABLE public.dbrec_lst_posts (
      id int PRIMARY KEY,
      user_id uuid,
      title text NOT NULL,
      slug text,
      updated_at timestamptz
    );
    CREATE UNIQUE INDEX dbrec_lst_posts_slug_key ON public.dbrec_lst_posts (slug);
    CREATE INDEX dbrec_lst_posts_user_title ON public.dbrec_lst_posts (user_id, lower(title));
    CREATE FUNCTION public.dbrec_lst_stats(user_id uuid, days int DEFAULT 7) RETURNS json LANGUAGE plpgsql STABLE
      AS $$ BEGIN RETURN json_build_object('user_id', user_id, 'days', days); END; $$;
    CREATE FUNCTION public.dbrec_lst_touch() RETURNS trigger LANGUAGE plpgsql
      AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END; $$;
    CREATE PROCEDURE public.dbrec_lst_proc(n int) LANGUAGE sql AS $$ SELECT n $$;
    CREATE TRIGGER dbrec_lst_update_timestamp BEFORE INSERT OR UPDATE ON public.dbrec_lst_posts
      FOR EACH ROW EXECUTE FUNCTION public.dbrec_lst_touch();
    CREATE TRIGGER dbrec_lst_after_delete AFTER DELETE ON public.dbrec_lst_posts
      FOR EACH STATEMENT EXECUTE FUNCTION public.dbrec_lst_touch();
    ALTER TABLE public.dbrec_lst_posts DISABLE TRIGGER dbrec_lst_after_delete;
    ALTER TABLE public.dbrec_lst_posts ENABLE ROW LEVEL SECURITY;
    CREATE POLICY "Users can view own posts" ON public.dbrec_lst_posts FOR SELECT TO authenticated USING (auth.uid() = user_id);
    CREATE POLICY dbrec_lst_insert ON public.dbrec_lst_posts FOR INSERT TO authenticated, anon WITH CHECK (title <> '');
    CREATE POLICY dbrec_lst_all ON public.dbrec_lst_posts USING (true);
  `);
});

describe('GET /api/database/functions', () => {
  it('lists the functions of public in the seed\'s shape', async () => {
    const r = await list('/functions');
    expect(r.status).toBe(200);
    expect(Array.isArray(r.body)).toBe(true);
    expect(named(r.body, 'dbrec_lst_stats')).toEqual({
      name: 'dbrec_lst_stats',
      schema: 'public',
      language: 'plpgsql',
      returnType: 'json',
      arguments: 'user_id uuid, days integer DEFAULT 7',
      definition: " BEGIN RETURN json_build_object('user_id', user_id, 'days', days); END; ",
    });
    expect(named(r.body, 'dbrec_lst_touch')).toMatchObject({ returnType: 'trigger', arguments: '' });
    expect(named(r.body, 'dbrec_lst_proc')).toMatchObject({ language: 'sql', returnType: null, arguments: 'IN n integer' });
    expect(r.body.every((f: Json) => f.schema === 'public')).toBe(true);
  });

  it('lists another schema with ?schema=', async () => {
    const r = await list('/functions?schema=rest_read');
    expect(r.status).toBe(200);
    expect(named(r.body, 'title_length')).toMatchObject({ schema: 'rest_read', arguments: expect.stringContaining('rest_read.books') });
    expect(named(r.body, 'dbrec_lst_stats')).toBeUndefined();
  });
});

describe('GET /api/database/indexes', () => {
  it('lists the indexes with their key columns, uniqueness and definition', async () => {
    const r = await list('/indexes');
    expect(r.status).toBe(200);
    expect(named(r.body, 'dbrec_lst_posts_pkey')).toEqual({
      name: 'dbrec_lst_posts_pkey',
      tableName: 'dbrec_lst_posts',
      columns: ['id'],
      isUnique: true,
      isPrimary: true,
      definition: 'CREATE UNIQUE INDEX dbrec_lst_posts_pkey ON public.dbrec_lst_posts USING btree (id)',
    });
    expect(named(r.body, 'dbrec_lst_posts_slug_key')).toMatchObject({ columns: ['slug'], isUnique: true, isPrimary: false });
    expect(named(r.body, 'dbrec_lst_posts_user_title')).toMatchObject({ columns: ['user_id', 'lower(title)'], isUnique: false, isPrimary: false });
  });

  it('lists another schema with ?schema=', async () => {
    const r = await list('/indexes?schema=rest_read');
    expect(named(r.body, 'publishers_pkey')).toMatchObject({ tableName: 'publishers', columns: ['id'], isPrimary: true });
    expect(named(r.body, 'dbrec_lst_posts_pkey')).toBeUndefined();
  });
});

describe('GET /api/database/policies', () => {
  it('lists the RLS policies in the seed\'s shape', async () => {
    const r = await list('/policies');
    expect(r.status).toBe(200);
    expect(named(r.body, 'Users can view own posts')).toEqual({
      name: 'Users can view own posts',
      tableName: 'dbrec_lst_posts',
      command: 'SELECT',
      roles: ['authenticated'],
      using: '(auth.uid() = user_id)',
      withCheck: null,
    });
    expect(named(r.body, 'dbrec_lst_insert')).toMatchObject({ command: 'INSERT', roles: ['anon', 'authenticated'], using: null, withCheck: "(title <> ''::text)" });
    expect(named(r.body, 'dbrec_lst_all')).toMatchObject({ command: 'ALL', roles: ['public'], using: 'true' });
  });
});

describe('GET /api/database/triggers', () => {
  it('lists the triggers with timing, events, function and whether they are enabled', async () => {
    const r = await list('/triggers');
    expect(r.status).toBe(200);
    expect(named(r.body, 'dbrec_lst_update_timestamp')).toEqual({
      name: 'dbrec_lst_update_timestamp',
      tableName: 'dbrec_lst_posts',
      timing: 'BEFORE',
      events: ['INSERT', 'UPDATE'],
      functionName: 'dbrec_lst_touch',
      enabled: true,
    });
    expect(named(r.body, 'dbrec_lst_after_delete')).toMatchObject({ timing: 'AFTER', events: ['DELETE'], enabled: false });
    // Constraint triggers PostgreSQL makes for foreign keys are internal and not listed.
    expect(r.body.every((t: Json) => !t.name.startsWith('RI_ConstraintTrigger'))).toBe(true);
  });
});

describe('listings: schema and authentication errors', () => {
  it.each(['/functions', '/indexes', '/policies', '/triggers'])('%s answers 404 SCHEMA_NOT_FOUND for an unknown schema', async (path) => {
    const r = await list(`${path}?schema=dbrec_no_such_schema`);
    expect(r.status).toBe(404);
    expect(r.body).toEqual({
      error: 'SCHEMA_NOT_FOUND',
      message: "Schema 'dbrec_no_such_schema' does not exist",
      statusCode: 404,
      nextActions: expect.any(String),
    });
  });

  it('treats ?schema= as a value, never as SQL', async () => {
    const r = await list(`/functions?schema=${encodeURIComponent("public' OR '1'='1")}`);
    expect(r.status).toBe(404);
    expect(r.body.error).toBe('SCHEMA_NOT_FOUND');
  });

  it.each(['/functions', '/indexes', '/policies', '/triggers'])('%s requires admin credentials', async (path) => {
    const none = await list(path, null);
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: 'UNAUTHORIZED', statusCode: 401 });
    const anon = await list(path, `Bearer ${anonKey}`);
    expect(anon.status).toBe(403);
    const service = await list(path, `Bearer ${serviceKey}`);
    expect(service.status).toBe(200);
  });
});
