/**
 * The data API's OpenAPI root lists only what the requesting role may use (PostgREST's
 * openapi-mode follow-privileges): a table the anonymous role cannot touch is not named to it.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db, restUrl, TEST_JWT_SECRET } from '../support/env.ts';
import { poll } from '../support/processes.ts';

const HIDDEN = `sec_hidden_${process.pid}`;
const SHOWN = `sec_shown_${process.pid}`;
const FN = `sec_fn_${process.pid}`;

const openapi = async (headers: Record<string, string> = {}) => {
  const r = await fetch(`${restUrl}/`, { headers });
  expect(r.status).toBe(200);
  return (await r.json()) as { paths: Record<string, unknown>; definitions: Record<string, unknown> };
};

beforeAll(async () => {
  await db().query(`
    CREATE TABLE public.${HIDDEN} (id int PRIMARY KEY, secret text);
    REVOKE ALL ON public.${HIDDEN} FROM anon, authenticated;
    GRANT SELECT ON public.${HIDDEN} TO service_role;
    CREATE TABLE public.${SHOWN} (id int PRIMARY KEY);
    GRANT SELECT ON public.${SHOWN} TO anon;
    CREATE FUNCTION public.${FN}() RETURNS int LANGUAGE sql AS 'SELECT 1';
    REVOKE EXECUTE ON FUNCTION public.${FN}() FROM PUBLIC, anon;
    GRANT EXECUTE ON FUNCTION public.${FN}() TO service_role;
    NOTIFY pgrst, 'reload schema';
  `);
  await poll(async () => ((await openapi({ Authorization: `Bearer ${await token('service_role')}` })).paths[`/${HIDDEN}`] ? true : undefined), 'the cache to reload', 10_000, 50);
});

afterAll(async () => {
  await db().query(`DROP TABLE IF EXISTS public.${HIDDEN}, public.${SHOWN}; DROP FUNCTION IF EXISTS public.${FN}()`);
});

const token = (role: string) => new SignJWT({ role }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(TEST_JWT_SECRET));

describe('GET /rest/v1/ follows the requesting role’s privileges', () => {
  it('anonymous: the table and function it may not use are not listed; the one it may, is', async () => {
    const doc = await openapi();
    expect(doc.paths[`/${SHOWN}`]).toBeDefined();
    expect(doc.paths[`/${HIDDEN}`]).toBeUndefined();
    expect(doc.definitions[HIDDEN]).toBeUndefined();
    expect(doc.paths[`/rpc/${FN}`]).toBeUndefined();
  });

  it('service_role: both are listed', async () => {
    const doc = await openapi({ Authorization: `Bearer ${await token('service_role')}` });
    expect(doc.paths[`/${HIDDEN}`]).toBeDefined();
    expect(doc.definitions[HIDDEN]).toBeDefined();
    expect(doc.paths[`/rpc/${FN}`]).toBeDefined();
  });

  it('a bad token is refused as on any other data API request', async () => {
    const r = await fetch(`${restUrl}/`, { headers: { Authorization: 'Bearer not.a.token' } });
    expect(r.status).toBe(401);
  });
});
