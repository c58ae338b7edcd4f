/**
 * GET/HEAD /rest/v1/<table> is served before Express (src/api/rest/direct-read.ts); the
 * same read with a trailing slash (/rest/v1/<table>/) still goes through Express's
 * middleware and router. Both must answer alike: status, headers, body, and what SQL sees
 * of the request (request.path, request.method, request.headers, request.cookies, the role).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db, restUrl } from '../support/env.ts';
import { poll } from '../support/processes.ts';
import { anonKey } from '../support/keys.ts';

const tag = randomBytes(3).toString('hex');
const view = `xdirect_echo_${tag}`;

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Headers that differ between any two answers (time, request id) are left out; Server-Timing keeps its metrics, not their durations. */
async function answer(url: string, init: RequestInit = {}): Promise<Answer> {
  const r = await fetch(url, init);
  const headers: Record<string, string> = {};
  r.headers.forEach((v, k) => {
    if (k === 'server-timing') headers[k] = v.replace(/dur=[0-9.]+/g, 'dur=_');
    else if (k !== 'date' && k !== 'x-request-id') headers[k] = v;
  });
  return { status: r.status, headers, body: await r.text() };
}

/** The same request, direct (`/rest/v1/<table>?…`) and through Express (`/rest/v1/<table>/?…`). */
async function both(table: string, query: string, init: RequestInit = {}): Promise<[Answer, Answer]> {
  const q = query ? `?${query}` : '';
  return [await answer(`${restUrl}/${table}${q}`, init), await answer(`${restUrl}/${table}/${q}`, init)];
}

const profile = (p: string, extra: Record<string, string> = {}) => ({ headers: { 'Accept-Profile': p, ...extra } });

describe('the direct read path and Express answer alike', () => {
  const cases: Array<[string, string, string, RequestInit]> = [
    ['a page', 'publishers', 'select=id,name&order=id&limit=2', profile('rest_read')],
    ['a filter and an embed', 'books', 'select=id,title,authors(name)&id=lt.4&order=id', profile('rest_read')],
    ['an exact count with a Range header', 'publishers', 'select=id&order=id', profile('rest_read', { Prefer: 'count=exact', Range: '0-1' })],
    ['CSV', 'publishers', 'select=id,name&order=id&limit=2', profile('rest_read', { Accept: 'text/csv' })],
    ['a single object', 'publishers', 'select=id&id=eq.1', profile('rest_read', { Accept: 'application/vnd.pgrst.object+json' })],
    ['CORS for a page on another origin', 'publishers', 'select=id&limit=1', profile('rest_read', { Origin: 'http://example.com' })],
    ['the anon key as apikey', 'publishers', 'select=id&limit=1', profile('rest_read', { apikey: anonKey })],
    ['a parse error (400)', 'publishers', 'id=nope.1', profile('rest_read')],
    ['an unknown table (404)', 'no_such_table', '', profile('rest_read')],
    ['an unexposed schema (406)', 'publishers', '', profile('nope')],
    ['an unacceptable Accept (406)', 'publishers', '', profile('rest_read', { Accept: 'image/png' })],
    ['a bad token (401)', 'publishers', '', profile('rest_read', { Authorization: 'Bearer not.a.jwt' })],
    ['a percent-encoded table name', 'publi%73hers', 'select=id&limit=1', profile('rest_read')],
  ];
  for (const [name, table, query, init] of cases) {
    it(name, async () => {
      const [direct, viaExpress] = await both(table, query, init);
      expect(direct.status, direct.body).toBeGreaterThanOrEqual(200);
      expect(direct).toEqual(viaExpress);
    });
    it(`${name}, HEAD`, async () => {
      const [direct, viaExpress] = await both(table, query, { ...init, method: 'HEAD' });
      expect(direct).toEqual(viaExpress);
      expect(direct.body).toBe('');
    });
  }

  it('sends the data APIs CORS headers and the request id on the direct path', async () => {
    const r = await fetch(`${restUrl}/publishers?select=id&limit=1`, { headers: { 'Accept-Profile': 'rest_read', Origin: 'http://example.com', 'X-Request-Id': `direct-${tag}` } });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.headers.get('access-control-expose-headers')).toContain('Content-Range');
    expect(r.headers.get('x-request-id')).toBe(`direct-${tag}`);
    const made = await fetch(`${restUrl}/publishers?select=id&limit=1`, { headers: { 'Accept-Profile': 'rest_read' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('what SQL sees of a direct read', () => {
  beforeAll(async () => {
    await db().query(`CREATE VIEW public.${view} AS SELECT
        current_user::text AS role,
        current_setting('request.method', true) AS method,
        current_setting('request.path', true) AS path,
        nullif(current_setting('request.headers', true), '')::json AS headers,
        nullif(current_setting('request.cookies', true), '')::json AS cookies,
        nullif(current_setting('request.jwt.claims', true), '')::json AS claims;
      GRANT SELECT ON public.${view} TO anon;
      NOTIFY pgrst, 'reload schema'`);
    await poll(async () => ((await fetch(`${restUrl}/${view}`)).status === 200 ? true : undefined), 'the view in the schema cache', 10_000);
  });
  afterAll(async () => {
    await db().query(`DROP VIEW IF EXISTS public.${view}`);
  });

  it('the role, method, path, headers, cookies and claims, as through Express', async () => {
    const init = { headers: { 'X-Trace-Id': 'trace-7', Cookie: 'a=1; b=hello%20world' } };
    const [direct] = await (await fetch(`${restUrl}/${view}`, init)).json();
    expect(direct).toMatchObject({ role: 'anon', method: 'GET', path: `/${view}`, cookies: { a: '1', b: 'hello world' }, claims: { role: 'anon' } });
    expect(direct.headers['x-trace-id']).toBe('trace-7');
    const [viaExpress] = await (await fetch(`${restUrl}/${view}/`, init)).json();
    // Express's request.path keeps the trailing slash; everything else is the same.
    expect({ ...direct, path: undefined, headers: undefined }).toEqual({ ...viaExpress, path: undefined, headers: undefined });
    expect(viaExpress.path).toBe(`/${view}/`);
    expect(direct.headers).toEqual(viaExpress.headers);
  });
});
