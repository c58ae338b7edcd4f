/**
 * Response headers and error texts as PostgREST 12–14 sends them, on the `rest_rpc_parity`
 * fixture (test/fixtures/12_rest_rpc_parity.sql): Prefer: timezone with Preference-Applied,
 * Content-Location on reads, Proxy-Status on errors, Server-Timing (the test API runs with
 * SERVER_TIMING_ENABLED=true), one Set-Cookie line per cookie from response.headers, and
 * PostgREST 13+'s JWT errors.
 */
import { describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { restUrl } from '../support/env.ts';
import { signHs256, signToken, unsignedToken } from '../support/keys.ts';
import { JSON_CT, sender, toReply, type Param } from '../support/http.ts';

const send = sender(restUrl, 'rest_rpc_parity');
const call = async (method: string, path: string, o: { params?: Param[]; body?: unknown; headers?: Record<string, string> } = {}) =>
  toReply(await send(method, path, o));
const now = () => Math.floor(Date.now() / 1000);

describe('Prefer: timezone', () => {
  it('renders timestamptz in the zone asked for and says so in Preference-Applied', async () => {
    const r = await call('GET', '/rpc/instant', { headers: { Prefer: 'handling=strict, timezone=America/Los_Angeles' } });
    expect(r.status, r.text).toBe(200);
    expect(r.json()).toEqual([{ tz: 'America/Los_Angeles', at: '2020-01-01T04:00:00-08:00' }]);
    expect(r.headers.get('preference-applied')).toBe('handling=strict, timezone=America/Los_Angeles');
  });

  it('on a table read too', async () => {
    const r = await call('GET', '/items', { params: [['id', 'eq.1'], ['select', 'id']], headers: { Prefer: 'timezone=+05:30' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('preference-applied')).toBe('timezone=+05:30');
  });

  it('an unknown zone is 400 22023 from PostgreSQL', async () => {
    const r = await call('GET', '/items', { headers: { Prefer: 'timezone=Invalid/Timezone' } });
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({ code: '22023', details: null, hint: null, message: 'invalid value for parameter "TimeZone": "Invalid/Timezone"' });
  });
});

describe('Preference-Applied lists what PostgREST applies for the method', () => {
  it('tx on a read', async () => {
    const r = await call('GET', '/items', { params: [['id', 'eq.1']], headers: { Prefer: 'tx=rollback, count=exact' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('preference-applied')).toBe('count=exact, tx=rollback');
  });

  it('missing=default not on DELETE, max-affected not on POST', async () => {
    const del = await call('DELETE', '/items', { params: [['id', 'eq.999998']], headers: { Prefer: 'missing=default, handling=strict, max-affected=5' } });
    expect(del.status, del.text).toBe(204);
    expect(del.headers.get('preference-applied')).toBe('handling=strict, max-affected=5');
    const post = await call('POST', '/items', { body: { id: 4001, name: 'pa' }, headers: { Prefer: 'missing=default, handling=strict, max-affected=5, tx=rollback' } });
    expect(post.status, post.text).toBe(201);
    expect(post.headers.get('preference-applied')).toBe('missing=default, tx=rollback, handling=strict');
  });
});

describe('Content-Location, Proxy-Status and Server-Timing', () => {
  it('a read names its resource and its query, sorted, in Content-Location', async () => {
    const r = await call('GET', '/items', { params: [['select', 'id,name'], ['id', 'lt.3'], ['order', 'id']] });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-location')).toBe('/items?id=lt.3&order=id&select=id%2Cname');
    const bare = await call('GET', '/items', { params: [['id', 'eq.1']] });
    expect(bare.headers.get('content-location')).toBe('/items?id=eq.1');
  });

  it('responses vary on Accept, Prefer and Range unless response.headers says otherwise, on reads too', async () => {
    const plain = await call('GET', '/items', { params: [['id', 'eq.1']] });
    expect(plain.headers.get('vary')).toBe('Accept, Prefer, Range');
    const tagged = await call('GET', '/items', { params: [['id', 'eq.1'], ['select', 'id,tagged']] });
    expect(tagged.status, tagged.text).toBe(200);
    expect(tagged.json()).toEqual([{ id: 1, tagged: 'one' }]);
    expect(tagged.headers.get('vary')).toBe('X-Test-Accept');
    expect(tagged.headers.get('x-tag')).toBe('read');
  });

  it('errors carry Proxy-Status naming their code', async () => {
    const r = await call('GET', '/no_such_table');
    expect(r.status).toBe(404);
    expect(r.headers.get('proxy-status')).toBe('PostgREST; error=PGRST205');
    expect(r.headers.get('content-type')).toBe(JSON_CT);
  });

  it('Server-Timing lists jwt, parse, plan, transaction and response durations', async () => {
    for (const r of [
      await call('GET', '/items', { params: [['id', 'eq.1']] }),
      await call('POST', '/rpc/echo_json', { body: { a: 1 } }),
      await call('PATCH', '/items', { params: [['id', 'eq.999999']], body: { name: 'x' } }),
    ]) {
      expect(r.headers.get('server-timing')).toMatch(/^jwt;dur=\d+\.\d, parse;dur=\d+\.\d, plan;dur=\d+\.\d, transaction;dur=\d+\.\d, response;dur=\d+\.\d$/);
    }
  });
});

describe('Set-Cookie from response.headers', () => {
  it('sends one header line per cookie', async () => {
    const url = new URL(`${restUrl}/rpc/two_cookies`);
    const raw = await new Promise<{ status: number; rawHeaders: string[] }>((resolve, reject) => {
      const req = request(url, { headers: { 'Accept-Profile': 'rest_rpc_parity' } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, rawHeaders: res.rawHeaders }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(raw.status).toBe(200);
    const lines = raw.rawHeaders.filter((_, i) => i % 2 === 0).map((h, i) => [h.toLowerCase(), raw.rawHeaders[i * 2 + 1]]);
    expect(lines.filter(([h]) => h === 'set-cookie').map(([, v]) => v)).toEqual(['a=1; Path=/', 'b=2; Path=/; HttpOnly']);
    expect(lines.filter(([h]) => h === 'cache-control').map(([, v]) => v)).toEqual(['no-store']);
  });
});

describe('JWT errors in PostgREST 13+ words', () => {
  const withToken = (token: string) => call('GET', '/items', { params: [['id', 'eq.1']], headers: { Authorization: `Bearer ${token}` } });
  const expect401 = (r: Awaited<ReturnType<typeof call>>, code: string, message: string, details: string | null = null) => {
    expect(r.status, r.text).toBe(401);
    expect(r.json()).toEqual({ code, message, details, hint: null });
    expect(r.headers.get('www-authenticate')).toBe(`Bearer error="invalid_token", error_description="${message}"`);
    expect(r.headers.get('proxy-status')).toBe(`PostgREST; error=${code}`);
  };

  it('a token signed with another secret', async () => {
    expect401(await withToken(signHs256({ role: 'anon' }, 'another-secret-of-at-least-32-characters!')), 'PGRST301', 'No suitable key or wrong key type', 'None of the keys was able to decode the JWT');
  });

  it('random characters in three parts', async () => {
    expect401(await withToken('quifquirndsjagnrgniur.fonvoienqhhdj.iuqvnvhojah'), 'PGRST301', 'JWT cryptographic operation failed');
  });

  it("alg 'none'", async () => {
    expect401(await withToken(unsignedToken({ role: 'anon' })), 'PGRST301', 'Wrong or unsupported encoding algorithm', "JWT is unsecured but expected 'alg' was not 'none'");
  });

  it('an empty bearer token', async () => {
    expect401(await call('GET', '/items', { headers: { Authorization: 'Bearer ' } }), 'PGRST301', 'Empty JWT is sent in Authorization header');
  });

  it('claims of the wrong type are PGRST303', async () => {
    expect401(await withToken(await signToken({ role: 'anon', aud: { invalid: 'value' } as unknown as string })), 'PGRST303', "The JWT 'aud' claim must be a string or an array of strings");
    expect401(await withToken(await signToken({ role: 'anon', aud: [{ x: 1 }, 'test'] as unknown as string[] })), 'PGRST303', "The JWT 'aud' claim must be a string or an array of strings");
    expect401(await withToken(signHs256({ role: 'anon', exp: 'invalid' })), 'PGRST303', "The JWT 'exp' claim must be a number");
  });

  it('times allow 30 seconds of skew', async () => {
    expect((await withToken(signHs256({ role: 'anon', exp: now() - 10 }))).status).toBe(200);
    expect401(await withToken(signHs256({ role: 'anon', exp: now() - 35 })), 'PGRST303', 'JWT expired');
    expect401(await withToken(signHs256({ role: 'anon', nbf: now() + 35 })), 'PGRST303', 'JWT not yet valid');
    expect401(await withToken(signHs256({ role: 'anon', iat: now() + 35 })), 'PGRST303', 'JWT issued at future');
  });
});
