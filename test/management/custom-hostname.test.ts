/**
 * The custom-hostname flow against a real DNS server: dns2 on a loopback UDP port serves the
 * TXT challenge and the A/CNAME records, and an API of the test's own uses it (DNS_SERVERS).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import dns2 from 'dns2';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isolatedStack, type IsolatedStack } from '../support/isolated-stack.ts';
import { createTokenAndProject, projectSql, THINGS_SQL, type ManagementCaller } from '../support/management.ts';

const { Packet } = dns2;
// @types/dns2 lags the library: RCODE exists, and answers are plain records that the packet encodes.
const RCODE_NXDOMAIN = 3;
type Answer = Parameters<typeof Packet.prototype.answers.push>[0];
type Rec = { type: 'A' | 'TXT' | 'CNAME'; value: string };
const zone = new Map<string, Rec[]>();
const setRecords = (name: string, recs: Rec[]) => zone.set(name.toLowerCase(), recs);

const dns = dns2.createServer({
  udp: true,
  handle: (request, send) => {
    const response = Packet.createResponseFromRequest(request);
    const [q] = request.questions;
    const recs = zone.get(q!.name.toLowerCase());
    if (!recs) response.header.rcode = RCODE_NXDOMAIN;
    for (const r of recs ?? []) {
      if (Packet.TYPE[r.type] !== q!.type && r.type !== 'CNAME') continue;
      const base = { name: q!.name, type: Packet.TYPE[r.type], class: Packet.CLASS.IN, ttl: 1 };
      if (r.type === 'A') response.answers.push({ ...base, address: r.value } as unknown as Answer);
      else if (r.type === 'TXT') response.answers.push({ ...base, data: r.value } as unknown as Answer);
      else response.answers.push({ ...base, domain: r.value } as unknown as Answer);
    }
    send(response);
  },
});

/** A GET with a Host header of our choosing (fetch will not send one). */
function getWithHost(base: string, path: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, method: 'GET', headers: { ...headers, Host: host } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let stack: IsolatedStack;
let m: ManagementCaller;
let anon: string;
const HOST = 'api.example.test';

beforeAll(async () => {
  await dns.listen({ udp: { port: 0, address: '127.0.0.1' } });
  const port = (dns.addresses().udp as AddressInfo).port;
  stack = await isolatedStack('cname', { DNS_SERVERS: `127.0.0.1:${port}` });
  m = await createTokenAndProject(stack.base);
  anon = (await m.active()).anon;
  await projectSql(m.ref, THINGS_SQL);
}, 90_000);
afterAll(async () => {
  await stack?.stop();
  await dns.close();
});

const ch = (p = '') => `/projects/${m.ref}/custom-hostname${p}`;

describe('custom hostname', () => {
  test('the whole flow: initialize → TXT verified → origin → activate → served at the Host → delete', async () => {
    expect((await m.v1('GET', ch())).json()).toMatchObject({ status: '1_not_started', custom_hostname: '' });

    const init = await m.v1('POST', ch('/initialize'), { body: { custom_hostname: 'API.Example.test' } });
    expect(init.status).toBe(201);
    const ov = init.json().data.result.ownership_verification;
    expect(init.json()).toMatchObject({ status: '2_initiated', custom_hostname: HOST, data: { success: true, errors: [], result: { hostname: HOST } } });
    expect(ov).toMatchObject({ type: 'txt', name: `_basalt-challenge.${HOST}` });
    expect(ov.value).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect((await m.v1('GET', ch())).json().data.result.ownership_verification).toEqual(ov);

    // No TXT record yet: stays initiated, says why.
    let r = await m.v1('POST', ch('/reverify'));
    expect(r.status).toBe(201);
    expect(r.json().status).toBe('2_initiated');
    expect(r.json().data.result.verification_errors.join(' ')).toMatch(/_basalt-challenge/);
    expect((await m.v1('POST', ch('/activate'))).status).toBe(400);

    // A wrong value does not verify.
    setRecords(ov.name, [{ type: 'TXT', value: 'something-else' }]);
    expect((await m.v1('POST', ch('/reverify'))).json().status).toBe('2_initiated');

    // The right value verifies the challenge; the hostname does not resolve to us yet.
    setRecords(ov.name, [{ type: 'TXT', value: ov.value }]);
    r = await m.v1('POST', ch('/reverify'));
    expect(r.json().status).toBe('3_challenge_verified');
    expect(r.json().data.result.verification_errors.join(' ')).toMatch(/no CNAME, A or AAAA/);

    setRecords(HOST, [{ type: 'A', value: '192.0.2.1' }]);
    r = await m.v1('POST', ch('/reverify'));
    expect(r.json().status).toBe('3_challenge_verified');
    expect(r.json().data.result.verification_errors.join(' ')).toMatch(/192\.0\.2\.1.*not this Basalt server/);

    // Pointing it at this server completes the origin setup.
    setRecords(HOST, [{ type: 'A', value: '127.0.0.1' }]);
    r = await m.v1('POST', ch('/reverify'));
    expect(r.json().status).toBe('4_origin_setup_completed');

    // Not routed before activation.
    const before = await getWithHost(stack.base, '/rest/v1/things?select=label', HOST, { apikey: anon });
    expect(before.body).not.toContain('"one"');

    const act = await m.v1('POST', ch('/activate'));
    expect(act.status).toBe(201);
    expect(act.json().status).toBe('5_services_reconfigured');
    const served = await getWithHost(stack.base, '/rest/v1/things?select=label', `${HOST}:443`, { apikey: anon });
    expect(served.status).toBe(200);
    expect(JSON.parse(served.body)).toEqual([{ label: 'one' }]);

    // Another project cannot take the hostname.
    const other = await createTokenAndProject(stack.base);
    const taken = await other.v1('POST', `/projects/${other.ref}/custom-hostname/initialize`, { body: { custom_hostname: HOST } });
    expect(taken.status).toBe(400);
    expect(taken.json().message).toMatch(/another project/);

    const del = await m.v1('DELETE', ch());
    expect(del.status).toBe(200);
    expect((await m.v1('GET', ch())).json().status).toBe('1_not_started');
    const after = await getWithHost(stack.base, '/rest/v1/things?select=label', HOST, { apikey: anon });
    expect(after.body).not.toContain('"one"');
  }, 60_000);

  test('a CNAME to <ref>.<PROJECT_BASE_DOMAIN> is an origin that routes to Basalt', async () => {
    const c = await createTokenAndProject(stack.base);
    const host = 'cname.example.test';
    const init = (await c.v1('POST', `/projects/${c.ref}/custom-hostname/initialize`, { body: { custom_hostname: host } })).json();
    setRecords(`_basalt-challenge.${host}`, [{ type: 'TXT', value: init.data.result.ownership_verification.value }]);
    setRecords(host, [{ type: 'CNAME', value: `${c.ref}.projects.basalt.test` }]);
    const r = await c.v1('POST', `/projects/${c.ref}/custom-hostname/reverify`);
    expect(r.status).toBe(201);
    expect(r.json().status).toBe('4_origin_setup_completed');
  });
});

describe('custom hostname validation (shared API)', () => {
  test('initialize refuses IPs, bad names and the base domain; reverify/activate without one → 400', async () => {
    // Two callers: each token has 10 of these calls a minute.
    const v = await createTokenAndProject();
    const w = await createTokenAndProject();
    const cases = ['1.2.3.4', '[::1]', 'localhost', 'bad_name.example.com', '-a.example.com', 'a..example.com', `${'a'.repeat(64)}.example.com`, 'projects.basalt.test', `${v.ref}.projects.basalt.test`, 'x.projects.basalt.test.', '', 42];
    for (const [i, custom_hostname] of cases.entries()) {
      const c = i % 2 ? w : v;
      const r = await c.v1('POST', `/projects/${c.ref}/custom-hostname/initialize`, { body: { custom_hostname } });
      expect(r.status, String(custom_hostname)).toBe(400);
      expect(typeof r.json().message).toBe('string');
    }
    const v2 = await createTokenAndProject();
    expect((await v2.v1('POST', `/projects/${v2.ref}/custom-hostname/reverify`)).status).toBe(400);
    expect((await v2.v1('POST', `/projects/${v2.ref}/custom-hostname/activate`)).status).toBe(400);
  });
});
