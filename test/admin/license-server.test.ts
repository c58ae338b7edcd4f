/**
 * A reachable licence server (a tiny HTTP server in the test) that first confirms the key and
 * then revokes it: validation, activation and the revalidation job follow its verdict.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth } from '../support/env.ts';
import { poll } from '../support/processes.ts';
import { freshInstallation, testKey, type Installation } from '../fixtures/license/installation.ts';

const OWNER = 'customer@example.com';
const key = testKey({ email: OWNER });
/** What the fake licence server answers next, and what it was asked. */
let answer: { status: number; body: string } = { status: 200, body: JSON.stringify({ valid: true }) };
const asked: Array<{ method: string; contentType: string | undefined; body: any }> = [];

const server = http.createServer((req, res) => {
  let data = '';
  req.on('data', (c) => (data += c));
  req.on('end', () => {
    asked.push({ method: req.method!, contentType: req.headers['content-type'], body: JSON.parse(data || 'null') });
    res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(answer.body);
  });
});
const verdict = (status: number, body: unknown) => (answer = { status, body: typeof body === 'string' ? body : JSON.stringify(body) });

let inst: Installation;
let base: string;
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  inst = await freshInstallation('lic_srv', {
    LICENSE_ENFORCEMENT: 'on',
    LICENSE_SERVER_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/check`,
  });
  base = `${inst.stack.base}/api`;
}, 120_000);
afterAll(async () => {
  await inst?.stop();
  server.close();
});

const post = async (p: string, body: unknown) => {
  const res = await fetch(`${base}${p}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};
const status = async () => (await (await fetch(`${base}/license/status`)).json()) as { valid: boolean; status: string };
const adminStatus = async () => (await fetch(`${base}/schemas`, { headers: { Authorization: adminAuth } })).status;

describe('licence server reachable', () => {
  it('activation asks the server (POST {licenseKey, email}) and, confirmed, is active', async () => {
    asked.length = 0;
    expect((await post('/license/activate', { licenseKey: key, email: OWNER })).status).toBe(200);
    expect(asked).toEqual([{ method: 'POST', contentType: 'application/json', body: { licenseKey: key, email: OWNER } }]);
    expect(await status()).toMatchObject({ valid: true, status: 'active', type: 'paid' });
    expect(await adminStatus()).toBe(200);
  });

  it('the server revokes the key: validate says so; revalidation makes the licence invalid → 402', async () => {
    verdict(200, { valid: false, message: 'refunded on request' });
    expect((await post('/license/validate', { licenseKey: key, email: OWNER })).body).toEqual({
      valid: false, message: 'License key was revoked: refunded on request', type: 'paid', expiresAt: null,
    });
    const r = await inst.revalidate();
    expect(r.outcome).toBe('revoked: refunded on request');
    expect(await status()).toEqual({ valid: false, status: 'invalid', type: 'paid', expiresAt: null, trialExpiresAt: null, gracePeriodEndsAt: null });
    const { rows } = await inst.query('SELECT revoked_at IS NOT NULL AS revoked, revoked_reason FROM basalt.licenses');
    expect(rows).toEqual([{ revoked: true, revoked_reason: 'refunded on request' }]);
    // Enforcement reads a status cached for a few seconds; the worker changed it behind the API's back.
    await poll(async () => ((await adminStatus()) === 402 ? true : undefined), 'admin endpoints to be blocked', 10_000, 250);
  });

  it('a revoked key cannot be activated', async () => {
    const r = await post('/license/activate', { licenseKey: key, email: OWNER });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: 'INVALID_LICENSE', message: 'License key was revoked: refunded on request' });
  });

  it('the server confirms it again: revalidation restores it', async () => {
    verdict(200, { valid: true });
    expect((await inst.revalidate()).outcome).toBe('validated by the licence server');
    expect(await status()).toMatchObject({ valid: true, status: 'active' });
  });

  it('a server error or a body without a verdict counts as unreachable: grace period, not revoked', async () => {
    for (const [code, body, err] of [[503, { valid: true }, 'licence server answered HTTP 503'], [200, 'not json', 'licence server answered with something other than JSON'], [200, { ok: 1 }, 'licence server answer has no boolean "valid"']] as const) {
      verdict(code, body);
      expect((await inst.revalidate()).outcome).toBe(`licence server unreachable (${err}); offline grace period applies`);
      expect(await status()).toMatchObject({ valid: true, status: 'grace_period', type: 'paid' });
    }
    // Unreachable while validating: the offline verdict stands.
    expect((await post('/license/validate', { licenseKey: key })).body.valid).toBe(true);
  });
});
