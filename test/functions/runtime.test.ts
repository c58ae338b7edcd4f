/**
 * Edge functions end to end: deployed through /v1, run by the functions process in Deno,
 * invoked with supabase-js at /project/<ref>/functions/v1 and on the project's host.
 * The test env sets FUNCTIONS_WALL_CLOCK_MS=8000, FUNCTIONS_MEMORY_MB=64, FUNCTIONS_MAX_BODY_MB=1.
 */
import http from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { createClient, FunctionsHttpError, type SupabaseClient } from '@supabase/supabase-js';
import { apiUrl } from '../support/env.ts';
import { supabaseTestOptions } from '../support/keys.ts';
import { createTokenAndProject, projectSql, type ManagementCaller } from '../support/management.ts';

const BASE_DOMAIN = 'projects.basalt.test';

const SOURCES: Record<string, { source: string; verify_jwt?: boolean }> = {
  hello: {
    source: `Deno.serve(async (req) => {
      const body = req.method === 'POST' ? await req.json().catch(() => null) : null;
      console.log('hello called with', body);
      return Response.json({ hello: body?.name ?? 'world', method: req.method, path: new URL(req.url).pathname });
    });`,
  },
  open: { source: `Deno.serve((req) => new Response('open to all: ' + req.method))`, verify_jwt: false },
  env: {
    source: `Deno.serve(() => {
      let server = 'readable';
      try { Deno.env.get('DATABASE_URL'); Deno.env.get('PATH'); } catch (e) { server = e.name; }
      return Response.json({ secret: Deno.env.get('MY_SECRET'), names: Object.keys(Deno.env.toObject()).sort(), server });
    });`,
  },
  data: {
    source: `Deno.serve(async () => {
      const key = Deno.env.get('SUPABASE_SERVICE_ROLE_KEY');
      const r = await fetch(Deno.env.get('SUPABASE_URL') + '/rest/v1/fn_notes?select=id,body&order=id', { headers: { apikey: key, Authorization: 'Bearer ' + key } });
      const anon = await fetch(Deno.env.get('SUPABASE_URL') + '/rest/v1/fn_notes?select=id', { headers: { apikey: Deno.env.get('SUPABASE_ANON_KEY') } });
      return Response.json({ status: r.status, rows: await r.json(), anon: await anon.json() });
    });`,
  },
  versioned: { source: `Deno.serve(() => new Response('version one'))` },
  echo: { source: `Deno.serve((req) => new Response(req.body, { headers: { 'x-echo-method': req.method } }))` },
  stream: {
    source: `Deno.serve(() => new Response(new ReadableStream({
      async start(c) { for (let i = 0; i < 3; i++) { c.enqueue(new TextEncoder().encode('chunk ' + i + '\\n')); await new Promise((r) => setTimeout(r, 300)); } c.close(); },
    }), { headers: { 'content-type': 'text/plain' } }))`,
  },
  loop: { source: `Deno.serve(() => { while (true) {} })` },
  slow: { source: `Deno.serve(async () => { await new Promise((r) => setTimeout(r, 60_000)); return new Response('late'); })` },
  alloc: { source: `Deno.serve(() => { const keep = []; while (true) keep.push(new Array(4000000).fill(Math.random())); })` },
  buffers: { source: `Deno.serve(() => { const keep = []; while (true) keep.push(new Uint8Array(64 * 1024 * 1024).fill(1)); })` },
  escape: {
    source: `Deno.serve(async (req) => {
      const what = new URL(req.url).pathname.split('/').pop();
      if (what === 'passwd') return new Response(await Deno.readTextFile('/etc/passwd'));
      if (what === 'run') { const out = await new Deno.Command('/bin/sh', { args: ['-c', 'id'] }).output(); return new Response(out.stdout); }
      if (what === 'write') { await Deno.writeTextFile(new URL('./x.txt', import.meta.url), 'x'); return new Response('wrote'); }
      if (what === 'ffi') { Deno.dlopen('libc.so.6', {}); return new Response('loaded'); }
      return new Response(await Deno.readTextFile(new URL(import.meta.url)));
    });`,
  },
  throws: { source: `Deno.serve(() => { throw new Error('boom from the function'); })` },
  broken: { source: `throw new Error('broken at import');` },
};

/** A request with a Host header (undici's fetch sends the URL's host). */
function withHost(host: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${apiUrl}${path}`, { method, headers: { ...headers, host } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function invokeError(sb: SupabaseClient, name: string, o: Parameters<SupabaseClient['functions']['invoke']>[1] = {}) {
  const { data, error } = await sb.functions.invoke(name, o);
  expect(data).toBeNull();
  expect(error).toBeInstanceOf(FunctionsHttpError);
  const res = (error as FunctionsHttpError).context as Response;
  return { status: res.status, body: await res.json() };
}

describe('edge functions', () => {
  let c: ManagementCaller;
  let keys: { anon: string; service_role: string };
  let other: { anon: string };
  let sb: SupabaseClient;
  const fnUrl = (slug: string) => `${apiUrl}/project/${c.ref}/functions/v1/${slug}`;

  beforeAll(async () => {
    c = await createTokenAndProject();
    const o = await createTokenAndProject();
    [keys, other] = await Promise.all([c.active(), o.active()]);
    sb = createClient(`${apiUrl}/project/${c.ref}`, keys.anon, supabaseTestOptions);
    const secrets = await c.v1('POST', `/projects/${c.ref}/secrets`, { body: [{ name: 'MY_SECRET', value: 's3cr3t-value' }] });
    expect(secrets.status).toBe(201);
    await projectSql(
      c.ref,
      `CREATE TABLE public.fn_notes (id int PRIMARY KEY, body text);
       ALTER TABLE public.fn_notes ENABLE ROW LEVEL SECURITY;
       GRANT SELECT ON public.fn_notes TO anon, service_role;
       INSERT INTO public.fn_notes VALUES (1, 'service only'), (2, 'also hidden');
       NOTIFY pgrst, 'reload schema';`,
    );
    for (const [slug, f] of Object.entries(SOURCES)) {
      const r = await c.v1('POST', `/projects/${c.ref}/functions?slug=${slug}&verify_jwt=${f.verify_jwt ?? true}`, {
        raw: f.source,
        headers: { 'Content-Type': 'application/typescript' },
      });
      expect(r.status, r.text).toBe(201);
    }
  }, 120_000);

  it('runs a deployed function through supabase-js functions.invoke()', async () => {
    const { data, error } = await sb.functions.invoke('hello', { body: { name: 'Basalt' } });
    expect(error).toBeNull();
    expect(data).toEqual({ hello: 'Basalt', method: 'POST', path: '/hello' });
    const get = await sb.functions.invoke('hello', { method: 'GET' });
    expect(get.data).toEqual({ hello: 'world', method: 'GET', path: '/hello' });
  });

  it("answers on the project's host <ref>.<PROJECT_BASE_DOMAIN>, with sub-paths and the query string", async () => {
    const r = await withHost(`${c.ref}.${BASE_DOMAIN}`, '/functions/v1/hello/sub/path?x=1', { Authorization: `Bearer ${keys.anon}` });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ hello: 'world', method: 'GET', path: '/hello/sub/path' });
    // Browsers: the preflight is answered with the data APIs' open CORS, and so is the call.
    const preflight = await withHost(`${c.ref}.${BASE_DOMAIN}`, '/functions/v1/hello', { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, x-client-info, apikey, content-type' }, 'OPTIONS');
    expect(preflight.status).toBe(200);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    expect(preflight.headers['access-control-allow-headers']).toBe('authorization, x-client-info, apikey, content-type');
    const cors = await withHost(`${c.ref}.${BASE_DOMAIN}`, '/functions/v1/hello', { Origin: 'https://app.example', Authorization: `Bearer ${keys.anon}` });
    expect(cors.status).toBe(200);
    expect(cors.headers['access-control-allow-origin']).toBe('*');
    const unknown = await withHost(`${c.ref}.${BASE_DOMAIN}`, '/functions/v1/nope', { Authorization: `Bearer ${keys.anon}` });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toEqual({ code: 'NOT_FOUND', message: 'Requested function was not found' });
  });

  it('honours verify_jwt with the project’s own secret', async () => {
    // No Authorization at all.
    const none = await fetch(fnUrl('hello'));
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ code: 'UNAUTHORIZED_NO_AUTH_HEADER', message: 'Missing authorization header' });
    // A token of another project, and a forged one.
    for (const token of [other.anon, 'not.a.jwt']) {
      const r = await invokeError(sb, 'hello', { headers: { Authorization: `Bearer ${token}` } });
      expect(r).toEqual({ status: 401, body: { code: 'UNAUTHORIZED_INVALID_JWT', message: 'Invalid JWT' } });
    }
    // The service_role key is a valid token of this project too.
    const service = createClient(`${apiUrl}/project/${c.ref}`, keys.service_role, supabaseTestOptions);
    expect((await service.functions.invoke('hello')).data).toMatchObject({ hello: 'world' });
    // verify_jwt=false: open to requests without a token.
    const open = await fetch(fnUrl('open'), { method: 'DELETE' });
    expect(open.status).toBe(200);
    expect(await open.text()).toBe('open to all: DELETE');
  });

  it('sees the project’s secrets and SUPABASE_* variables, nothing of the server’s environment', async () => {
    const { data, error } = await sb.functions.invoke('env');
    expect(error).toBeNull();
    expect(data).toEqual({
      secret: 's3cr3t-value',
      names: ['MY_SECRET', 'SUPABASE_ANON_KEY', 'SUPABASE_DB_URL', 'SUPABASE_SERVICE_ROLE_KEY', 'SUPABASE_URL'],
      server: 'NotCapable',
    });
  });

  it("calls the project's own data API with SUPABASE_SERVICE_ROLE_KEY", async () => {
    const { data, error } = await sb.functions.invoke('data');
    expect(error).toBeNull();
    expect(data).toEqual({ status: 200, rows: [{ id: 1, body: 'service only' }, { id: 2, body: 'also hidden' }], anon: [] });
  });

  it('streams request and response bodies, with any method', async () => {
    const big = Buffer.alloc(300_000, 'abcdefghij');
    const echo = await fetch(fnUrl('echo'), { method: 'PUT', headers: { Authorization: `Bearer ${keys.anon}`, 'Content-Type': 'application/octet-stream' }, body: big });
    expect(echo.status).toBe(200);
    expect(echo.headers.get('x-echo-method')).toBe('PUT');
    expect(Buffer.from(await echo.arrayBuffer()).equals(big)).toBe(true);

    const started = Date.now();
    const res = await fetch(fnUrl('stream'), { headers: { Authorization: `Bearer ${keys.anon}` } });
    const reader = res.body!.getReader();
    const first = await reader.read();
    const firstAt = Date.now() - started;
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
    expect(new TextDecoder().decode(first.value)).toBe('chunk 0\n');
    expect(rest).toBe('chunk 1\nchunk 2\n');
    // The first chunk arrived before the function had finished writing (it takes 600 ms more).
    expect(Date.now() - started - firstAt).toBeGreaterThan(400);
  });

  it('refuses a request body over FUNCTIONS_MAX_BODY_MB with 413', async () => {
    const r = await fetch(fnUrl('echo'), { method: 'POST', headers: { Authorization: `Bearer ${keys.anon}` }, body: Buffer.alloc(1024 * 1024 + 1, 'x') });
    expect(r.status).toBe(413);
    expect(await r.json()).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than 1 MB' });
  });

  it('runs the new version as soon as it is deployed', async () => {
    expect((await sb.functions.invoke('versioned')).data).toBe('version one');
    const patched = await c.v1('PATCH', `/projects/${c.ref}/functions/versioned`, { raw: `Deno.serve(() => new Response('version two'))`, headers: { 'Content-Type': 'text/plain' } });
    expect(patched.status).toBe(200);
    expect(patched.json().version).toBe(2);
    expect((await sb.functions.invoke('versioned')).data).toBe('version two');
    // A changed secret is a new environment: new instances see it.
    await c.v1('POST', `/projects/${c.ref}/secrets`, { body: [{ name: 'MY_SECRET', value: 'rotated' }] });
    expect(((await sb.functions.invoke('env')).data as { secret: string }).secret).toBe('rotated');
  });

  it('stops a function that loops forever at the wall clock limit, and keeps serving others', async () => {
    const looping = invokeError(sb, 'loop');
    // While it spins, other functions answer.
    await new Promise((r) => setTimeout(r, 500));
    expect((await sb.functions.invoke('hello')).data).toMatchObject({ hello: 'world' });
    const r = await looping;
    expect(r.status).toBe(546);
    expect(r.body).toEqual({ code: 'WORKER_LIMIT', message: 'Function exceeded its wall clock limit of 8000 ms and was stopped' });
    expect((await sb.functions.invoke('hello')).data).toMatchObject({ hello: 'world' });
  });

  it('cuts a request that outlasts the wall clock with 504, keeping its responsive instance', async () => {
    const r = await invokeError(sb, 'slow');
    expect(r).toEqual({ status: 504, body: { code: 'GATEWAY_TIMEOUT', message: 'Function did not finish within its wall clock limit of 8000 ms' } });
  });

  it('stops a function that allocates without bound at the memory limit, and keeps serving others', async () => {
    const r = await invokeError(sb, 'alloc');
    expect(r.status).toBe(546);
    expect(r.body).toEqual({ code: 'WORKER_LIMIT', message: 'Function exceeded its memory limit of 64 MB and was stopped' });
    expect((await sb.functions.invoke('hello')).data).toMatchObject({ hello: 'world' });
  });

  it('stops a function whose ArrayBuffers (outside the V8 heap) grow without bound', async () => {
    const r = await invokeError(sb, 'buffers');
    expect(r.status).toBe(546);
    expect(r.body.code).toBe('WORKER_LIMIT');
    expect((await sb.functions.invoke('hello')).data).toMatchObject({ hello: 'world' });
  });

  it('refuses reading other files, writing, starting a process and FFI; its own file is readable', async () => {
    const cases: Array<[string, RegExp]> = [
      ['passwd', /^Requires read access to "\/etc\/passwd"/],
      ['run', /^Requires run access to "\/bin\/sh"/],
      ['write', /^Requires write access to/],
      ['ffi', /^Requires ffi access to/],
    ];
    for (const [what, message] of cases) {
      const r = await invokeError(sb, `escape/${what}`);
      expect(r.status, what).toBe(500);
      expect(r.body.code).toBe('FUNCTION_ERROR');
      expect(r.body.message).toMatch(message);
    }
    const own = await sb.functions.invoke('escape/own');
    expect(own.data).toContain('Deno.readTextFile(new URL(import.meta.url))');
  });

  it('answers 500 with the message of a function that throws, and goes on serving', async () => {
    const r = await invokeError(sb, 'throws');
    expect(r).toEqual({ status: 500, body: { code: 'FUNCTION_ERROR', message: 'boom from the function' } });
    expect((await sb.functions.invoke('throws')).error).toBeInstanceOf(FunctionsHttpError);
    expect((await sb.functions.invoke('hello')).data).toMatchObject({ hello: 'world' });
  });

  it('answers 503 BOOT_ERROR for a function that fails at import', async () => {
    const r = await invokeError(sb, 'broken');
    expect(r.status).toBe(503);
    expect(r.body).toEqual({ code: 'BOOT_ERROR', message: 'Function failed to boot: Error: broken at import' });
  });

  it('stops serving a deleted function', async () => {
    expect((await c.v1('DELETE', `/projects/${c.ref}/functions/open`)).status).toBe(200);
    const r = await fetch(fnUrl('open'));
    expect(r.status).toBe(404);
  });
});
