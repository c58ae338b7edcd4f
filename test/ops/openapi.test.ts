/**
 * The OpenAPI 3.1 documents of the Admin, Database, Management and Postgres Admin APIs, and the
 * reference page at /docs. Each document validates (@seriousme/openapi-schema-validator), and
 * every operation's example request is sent to the running server with the credentials its
 * security names and gets the status the document gives (`x-example-status`). Examples form a
 * story per document: the non-DELETE operations run in document order, then the DELETEs in
 * reverse. Server-made ids the examples cannot know in advance (a Management API project's
 * ref and organization) are replaced by this file's own project's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { adminAuth, apiUrl, db } from '../support/env.ts';
import { serviceKey } from '../support/keys.ts';
import { createTokenAndProject, type ManagementCaller } from '../support/management.ts';
import { poll } from '../support/processes.ts';

type Json = any;
interface Sent {
  method: string;
  path: string;
  op: Json;
}

const DOCUMENTS = [
  { name: 'Admin API', path: '/api/openapi.json' },
  { name: 'Database API', path: '/api/database/openapi.json' },
  { name: 'Management API', path: '/v1/openapi.json' },
  { name: 'Postgres Admin API', path: '/openapi.json' },
];
/** Placeholders the Management API's examples use for server-made ids. */
const EXAMPLE_REF = 'abcdefghijklmnopqrst';
const EXAMPLE_ORG = 'example-org';

let management: ManagementCaller;
const docs = new Map<string, Json>();

beforeAll(async () => {
  await db().query('DROP SCHEMA IF EXISTS openapi_meta CASCADE; DROP ROLE IF EXISTS openapi_meta_role');
  // What the Database API's examples use: a table and a function the callers may use.
  await db().query(`
    DROP TABLE IF EXISTS public.openapi_records;
    CREATE TABLE public.openapi_records (id int PRIMARY KEY, title text);
    GRANT ALL ON public.openapi_records TO anon, authenticated, service_role;
    CREATE OR REPLACE FUNCTION public.openapi_add(a int, b int) RETURNS int LANGUAGE sql AS 'SELECT a + b';
    GRANT EXECUTE ON FUNCTION public.openapi_add(int, int) TO anon, authenticated, service_role;
    NOTIFY pgrst, 'reload schema';
  `);
  await poll(async () => {
    const res = await request(`${apiUrl}/api/database/rpc/openapi_add?a=1&b=1`, { headers: { Authorization: `Bearer ${serviceKey}` } });
    return res.status === 200 && (await request(`${apiUrl}/api/database/records/openapi_records`, { headers: { Authorization: `Bearer ${serviceKey}` } })).status === 200 ? true : undefined;
  }, 'the schema cache to see openapi_records and openapi_add', 30_000, 200);
  management = await createTokenAndProject();
  await management.active();
  for (const d of DOCUMENTS) {
    const res = await request(`${apiUrl}${d.path}`);
    expect(res.status, d.path).toBe(200);
    docs.set(d.path, await res.json());
  }
}, 120_000);

afterAll(async () => {
  // The project the Management API's create example made (the example's DELETE removed ours).
  if (management) {
    for (const p of (await management.v1('GET', '/projects')).json() ?? []) await management.v1('DELETE', `/projects/${p.ref}`);
  }
  await db().query('DROP TABLE IF EXISTS public.openapi_example, public.openapi_example_copy, public.openapi_records; DROP FUNCTION IF EXISTS public.openapi_add(int, int)');
  // What the Postgres Admin API's create examples made.
  await db().query('DROP SCHEMA IF EXISTS openapi_meta CASCADE; DROP ROLE IF EXISTS openapi_meta_role');
});

/**
 * fetch, once more when a kept-alive connection turns out closed by the server before it read
 * the request (the validator can block this process for seconds, past the server's keep-alive
 * timeout, and undici's idle timer does not run meanwhile). The server never saw the first try.
 */
async function request(url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    if ((e as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw e;
    return fetch(url, init);
  }
}

/** The Authorization (or apikey) header for a security scheme. */
function credentials(scheme: string | undefined): Record<string, string> {
  switch (scheme) {
    case undefined:
      return {};
    case 'adminBasic':
      return { Authorization: adminAuth };
    case 'adminBearer':
    case 'databaseBearer':
      return { Authorization: `Bearer ${serviceKey}` };
    case 'managementToken':
      return { Authorization: `Bearer ${management.token}` };
    default:
      throw new Error(`no test credentials for security scheme ${scheme}`);
  }
}

/** Our project's ref and organization instead of the placeholders. */
function bind(value: Json): Json {
  if (typeof value === 'string') return value.replaceAll(EXAMPLE_REF, management.ref).replaceAll(EXAMPLE_ORG, management.orgId);
  if (Array.isArray(value)) return value.map(bind);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bind(v)]));
  return value;
}

function operationsOf(doc: Json): Sent[] {
  const all: Sent[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) if (item[method]) all.push({ method, path, op: item[method] });
  }
  return [...all.filter((o) => o.method !== 'delete'), ...all.filter((o) => o.method === 'delete').reverse()];
}

async function send({ method, path, op }: Sent): Promise<Response> {
  const params = (op.parameters ?? []) as Json[];
  let url = path;
  const search = new URLSearchParams();
  const headers: Record<string, string> = credentials(op.security?.length ? Object.keys(op.security[0])[0] : undefined);
  for (const p of params) {
    if (p.example === undefined) {
      expect(p.required, `${method} ${path}: required ${p.in} parameter ${p.name} has no example`).not.toBe(true);
      continue;
    }
    if (p.in === 'query' && typeof p.example === 'object') {
      // A free-form object parameter (column filters, RPC arguments): its keys are the query parameters.
      for (const [k, v] of Object.entries<Json>(p.example)) search.append(k, String(v));
      continue;
    }
    const value = bind(String(p.example));
    if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(value));
    else if (p.in === 'query') search.set(p.name, value);
    else if (p.in === 'header') headers[p.name] = value;
  }
  expect(url, `${method} ${path}: path parameters without examples`).not.toMatch(/[{}]/);
  let body: string | FormData | undefined;
  const content = op.requestBody?.content as Record<string, Json> | undefined;
  if (content) {
    const [type, media] = Object.entries(content)[0];
    expect(media.example, `${method} ${path}: request body without an example`).toBeDefined();
    const example = bind(media.example);
    if (type === 'multipart/form-data') {
      body = new FormData();
      for (const [k, v] of Object.entries<Json>(example)) {
        if (k === 'file') body.append(k, new Blob([String(v)]), op['x-example-filename']);
        else body.append(k, String(v));
      }
    } else {
      body = type.includes('json') ? JSON.stringify(example) : String(example);
      headers['Content-Type'] = type;
    }
  }
  const query = search.toString();
  return request(`${apiUrl}${url}${query ? `?${query}` : ''}`, { method: method.toUpperCase(), headers, body });
}

describe.each(DOCUMENTS)('$name document ($path)', ({ path }) => {
  it('is a valid OpenAPI 3.1 document, served without credentials', async () => {
    const doc = docs.get(path)!;
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors, JSON.stringify(result.errors)?.slice(0, 2000)).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
  });

  it('describes each operation: summary, tags, security, responses and an example', () => {
    const doc = docs.get(path)!;
    const schemes = Object.keys(doc.components?.securitySchemes ?? {});
    for (const { method, path: p, op } of operationsOf(doc)) {
      const where = `${method.toUpperCase()} ${p}`;
      expect(op.summary, where).toBeTruthy();
      expect(op.tags?.length, where).toBeGreaterThan(0);
      expect(Array.isArray(op.security), where).toBe(true);
      for (const req of op.security) for (const name of Object.keys(req)) expect(schemes, where).toContain(name);
      expect(op.responses[String(op['x-example-status'])], `${where}: the example's status is documented`).toBeDefined();
      // Errors, at least the refusal of missing credentials, are documented in the surface's envelope.
      const errors = Object.entries<Json>(op.responses).filter(([s]) => Number(s) >= 400);
      if (op.security.length) expect(errors.length, where).toBeGreaterThan(0);
    }
  });

  it("sends every operation's example and gets the documented status", async () => {
    const doc = docs.get(path)!;
    const failures: string[] = [];
    for (const sent of operationsOf(doc)) {
      const res = await send(sent);
      const text = await res.text();
      const where = `${sent.method.toUpperCase()} ${sent.path}`;
      if (res.status !== sent.op['x-example-status']) failures.push(`${where}: ${res.status} (documented ${sent.op['x-example-status']}): ${text.slice(0, 300)}`);
      // A documented 404 is the resource's, never "no such route".
      if (res.status === 404 && /No route for|^Route .* not found|"Not Found"/.test(text)) failures.push(`${where}: the route does not exist: ${text.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('documents only routes that exist, and refuses what it documents as needing credentials', async () => {
    const doc = docs.get(path)!;
    for (const { method, path: p, op } of operationsOf(doc)) {
      if (!op.security?.length || method === 'delete') continue;
      const url = p.replace(/\{[^}]+\}/g, 'x');
      const res = await request(`${apiUrl}${url}`, { method: method.toUpperCase() });
      expect(res.status, `${method.toUpperCase()} ${p} without credentials`).toBe(401);
    }
  }, 60_000);
});

describe('/docs (Swagger UI)', () => {
  it('refuses without admin credentials, page and assets alike', async () => {
    for (const p of ['/docs', '/docs/', '/docs/swagger-ui-bundle.js', '/docs/initializer.js']) {
      const res = await request(`${apiUrl}${p}`);
      expect(res.status, p).toBe(401);
      expect(res.headers.get('www-authenticate'), p).toMatch(/^Basic/);
      expect((await res.json()).error).toBe('UNAUTHORIZED');
    }
  });

  it('serves the page and its assets from the server itself with admin credentials', async () => {
    const page = await request(`${apiUrl}/docs`, { headers: { Authorization: adminAuth } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const a of assets) {
      expect(a, 'no asset from another origin').toMatch(/^\/docs\//);
      const res = await request(`${apiUrl}${a}`, { headers: { Authorization: adminAuth } });
      expect(res.status, a).toBe(200);
      expect((await res.arrayBuffer()).byteLength, a).toBeGreaterThan(0);
    }
    const init = await (await request(`${apiUrl}/docs/initializer.js`, { headers: { Authorization: `Bearer ${serviceKey}` } })).text();
    for (const d of DOCUMENTS) expect(init).toContain(`"path":${JSON.stringify(d.path)}`);
    expect(init).toContain(`'urls.primaryName': "Admin API"`);
  });

  it('serves nothing else from the package', async () => {
    for (const p of ['/docs/package.json', '/docs/index.html', '/docs/..%2Fpackage.json']) {
      const res = await request(`${apiUrl}${p}`, { headers: { Authorization: adminAuth } });
      expect(res.status, p).toBe(404);
    }
  });
});
