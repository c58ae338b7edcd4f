import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { beforeAll, describe, expect, test } from 'vitest';
import { db } from '../support/env.ts';
import { createTokenAndProject, type ManagementCaller } from '../support/management.ts';

const SOURCE = `Deno.serve(() => new Response("hello"));\n`;
let m: ManagementCaller;
beforeAll(async () => {
  m = await createTokenAndProject();
});

const fn = (path = '') => `/projects/${m.ref}/functions${path}`;

describe('functions', () => {
  test('create from the source text with query parameters → 201, Supabase shape, epoch-ms timestamps', async () => {
    const before = Date.now();
    const r = await m.v1('POST', fn('?slug=hello-world&name=Hello%20World&verify_jwt=false&entrypoint_path=index.ts'), { raw: SOURCE, headers: { 'Content-Type': 'application/typescript' } });
    expect(r.status).toBe(201);
    const f = r.json();
    expect(f).toMatchObject({ slug: 'hello-world', name: 'Hello World', status: 'ACTIVE', version: 1, verify_jwt: false, import_map: false, entrypoint_path: 'index.ts' });
    expect(f.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof f.created_at).toBe('number');
    expect(f.created_at).toBeGreaterThanOrEqual(before - 5000);
    expect(f.updated_at).toBe(f.created_at);
    // Stored compressed, with SHA-256s.
    const { rows } = await db().query('SELECT body_br, body_sha256, ezbr_sha256, body_size FROM basalt.project_functions WHERE project_ref = $1 AND slug = $2', [m.ref, 'hello-world']);
    expect(zlib.brotliDecompressSync(rows[0].body_br).toString()).toBe(SOURCE);
    expect(rows[0].body_sha256).toBe(createHash('sha256').update(SOURCE).digest('hex'));
    expect(f.ezbr_sha256).toBe(createHash('sha256').update(rows[0].body_br).digest('hex'));

    const body = await m.v1('GET', fn('/hello-world/body'));
    expect(body.status).toBe(200);
    expect(body.text).toBe(SOURCE);
    expect(body.headers.get('content-type')).toMatch(/^application\/typescript/);
  });

  test('create from JSON {slug, name, body, verify_jwt}; verify_jwt defaults to true', async () => {
    const r = await m.v1('POST', fn(), { body: { slug: 'json_fn', name: 'From JSON', body: 'export default 1;' } });
    expect(r.status).toBe(201);
    expect(r.json()).toMatchObject({ slug: 'json_fn', name: 'From JSON', version: 1, verify_jwt: true });
    expect((await m.v1('GET', fn('/json_fn/body'))).text).toBe('export default 1;');
  });

  test('text/plain and octet-stream bodies are the source too', async () => {
    expect((await m.v1('POST', fn('?slug=plain'), { raw: 'console.log(1)', headers: { 'Content-Type': 'text/plain' } })).status).toBe(201);
    const bin = Buffer.from([0, 1, 2, 255, 254]);
    expect((await m.v1('POST', fn('?slug=binary'), { raw: bin, headers: { 'Content-Type': 'application/octet-stream' } })).status).toBe(201);
    const res = await fetch(`${m.base}/v1${fn('/binary/body')}`, { headers: { Authorization: `Bearer ${m.token}` } });
    expect(Buffer.from(await res.arrayBuffer())).toEqual(bin);
    // name defaults to the slug
    expect((await m.v1('GET', fn('/plain'))).json().name).toBe('plain');
  });

  test('a duplicate slug → 400', async () => {
    expect((await m.v1('POST', fn('?slug=dup'), { raw: 'a', headers: { 'Content-Type': 'text/plain' } })).status).toBe(201);
    const r = await m.v1('POST', fn('?slug=dup'), { raw: 'b', headers: { 'Content-Type': 'text/plain' } });
    expect(r.status).toBe(400);
    expect(r.json().message).toMatch(/dup.*already exists/);
    expect((await m.v1('GET', fn('/dup/body'))).text).toBe('a');
  });

  test('bad input → 400: no slug, bad slug, no body, bad verify_jwt', async () => {
    const cases: Array<[string, { raw?: string; body?: unknown; headers?: Record<string, string> }]> = [
      [fn(), { raw: 'x', headers: { 'Content-Type': 'text/plain' } }],
      [fn('?slug=1bad'), { raw: 'x', headers: { 'Content-Type': 'text/plain' } }],
      [fn('?slug=has%20space'), { raw: 'x', headers: { 'Content-Type': 'text/plain' } }],
      [fn('?slug=nobody'), { raw: '', headers: { 'Content-Type': 'text/plain' } }],
      [fn('?slug=vj&verify_jwt=maybe'), { raw: 'x', headers: { 'Content-Type': 'text/plain' } }],
      [fn(), { body: { slug: 'jsonnobody' } }],
      [fn(), { body: { slug: 'badbody', body: 42 } }],
    ];
    for (const [path, o] of cases) {
      const r = await m.v1('POST', path, o);
      expect(r.status, path + JSON.stringify(o)).toBe(400);
      expect(typeof r.json().message).toBe('string');
    }
  });

  test('list, get, update (version + 1, new body), delete (gone), 404s', async () => {
    await m.v1('POST', fn('?slug=lifecycle&verify_jwt=true'), { raw: 'v1 source', headers: { 'Content-Type': 'text/plain' } });
    const list = await m.v1('GET', fn());
    expect(list.status).toBe(200);
    expect(list.json().map((f: { slug: string }) => f.slug)).toContain('lifecycle');

    const got = (await m.v1('GET', fn('/lifecycle'))).json();
    await new Promise((r) => setTimeout(r, 5));
    const upd = await m.v1('PATCH', fn('/lifecycle?verify_jwt=false&name=Renamed'), { raw: 'v2 source', headers: { 'Content-Type': 'text/plain' } });
    expect(upd.status).toBe(200);
    expect(upd.json()).toMatchObject({ slug: 'lifecycle', name: 'Renamed', version: 2, verify_jwt: false, created_at: got.created_at });
    expect(upd.json().updated_at).toBeGreaterThan(got.updated_at);
    expect(upd.json().ezbr_sha256).not.toBe(got.ezbr_sha256);
    expect((await m.v1('GET', fn('/lifecycle/body'))).text).toBe('v2 source');

    const upd2 = await m.v1('PATCH', fn('/lifecycle'), { body: { name: 'Again' } });
    expect(upd2.json()).toMatchObject({ version: 3, name: 'Again', verify_jwt: false });
    expect((await m.v1('GET', fn('/lifecycle/body'))).text).toBe('v2 source');

    expect((await m.v1('DELETE', fn('/lifecycle'))).status).toBe(200);
    expect((await m.v1('GET', fn())).json().map((f: { slug: string }) => f.slug)).not.toContain('lifecycle');
    const gone: [string, string, { body?: unknown }][] = [
      ['GET', fn('/lifecycle'), {}],
      ['GET', fn('/lifecycle/body'), {}],
      ['DELETE', fn('/lifecycle'), {}],
      ['PATCH', fn('/lifecycle'), { body: { name: 'x' } }],
    ];
    for (const [method, path, o] of gone) {
      const r = await m.v1(method, path, o);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.json(), `${method} ${path}`).toEqual({ message: 'Function lifecycle not found' });
    }
  });

  test("functions are per project: another project's list does not show them", async () => {
    const other = await createTokenAndProject();
    expect((await other.v1('GET', `/projects/${other.ref}/functions`)).json()).toEqual([]);
    const foreign = await other.v1('GET', `/projects/${m.ref}/functions`);
    expect(foreign.status).toBe(404);
    expect(foreign.json()).toEqual({ message: 'Project not found' });
  });
});
