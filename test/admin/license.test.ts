/**
 * Licence and trial endpoints on the shared test API (enforcement off), including the vendor
 * CLI. The shared installation's licence state is this file's alone; it starts empty.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, apiUrl, db } from '../support/env.ts';
import { TEST_LICENSE_PRIVATE_KEY_FILE } from '../support/test-env.ts';
import { DAY_MS, tampered, testKey } from '../fixtures/license/installation.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const OWNER = 'owner@example.com';

const post = async (p: string, body?: unknown) => {
  const res = await fetch(`${apiUrl}/api${p}`, {
    method: 'POST',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
};
const get = async (p: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${apiUrl}/api${p}`, { headers });
  return { status: res.status, body: await res.json() };
};
const expect400 = (r: { status: number; body: any }, code: string, message: RegExp) => {
  expect(r.status).toBe(400);
  expect(r.body).toMatchObject({ error: code, statusCode: 400 });
  expect(r.body.message).toMatch(message);
  expect(typeof r.body.nextActions).toBe('string');
};

let tmp: string;
beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'basalt-license-'));
  await db().query('DELETE FROM basalt.licenses; DELETE FROM basalt.trial');
});
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await db().query('DELETE FROM basalt.licenses; DELETE FROM basalt.trial');
});

describe('vendor CLI (npm run license)', () => {
  it('issue signs a key with the private key file that the API accepts', async () => {
    const { stdout } = await run('npm', ['run', '--silent', 'license', '--', 'issue', '--email', OWNER, '--type', 'paid', '--days', '30', '--private-key-file', TEST_LICENSE_PRIVATE_KEY_FILE], { cwd: root });
    const key = stdout.trim();
    const r = await post('/license/validate', { licenseKey: key, email: OWNER });
    expect(r.status).toBe(200);
    expect(r.body.valid).toBe(true);
    expect(r.body.type).toBe('paid');
    expect(Date.parse(r.body.expiresAt) - Date.now()).toBeGreaterThan(29 * DAY_MS);
    expect(Date.parse(r.body.expiresAt) - Date.now()).toBeLessThanOrEqual(30 * DAY_MS);
  }, 60_000);

  it('keygen writes a keypair; keys from another vendor key are refused as not genuine', async () => {
    const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'scripts/license.ts', ...args], { cwd: root });
    await cli('keygen', '--out', tmp);
    expect(readFileSync(path.join(tmp, 'license-public.pem'), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const { stdout } = await cli('issue', '--email', OWNER, '--type', 'paid', '--private-key-file', path.join(tmp, 'license-private.pem'));
    const r = await post('/license/validate', { licenseKey: stdout.trim() });
    expect(r.body).toMatchObject({ valid: false, type: null, expiresAt: null });
    expect(r.body.message).toMatch(/signature is invalid/);
    // A trial key needs an end; a missing email is refused.
    await expect(cli('issue', '--email', OWNER, '--type', 'trial', '--private-key-file', TEST_LICENSE_PRIVATE_KEY_FILE)).rejects.toMatchObject({ code: 2 });
    await expect(cli('issue', '--type', 'paid', '--private-key-file', TEST_LICENSE_PRIVATE_KEY_FILE)).rejects.toMatchObject({ code: 2 });
  }, 60_000);
});

describe('POST /api/license/validate', () => {
  const key = testKey({ email: OWNER });

  it('a genuine lifetime key: the seed body', async () => {
    expect(await post('/license/validate', { licenseKey: key })).toEqual({ status: 200, body: { valid: true, message: 'License key is valid', type: 'paid', expiresAt: null } });
    expect((await post('/license/validate', { licenseKey: key, email: ' Owner@Example.COM' })).body.valid).toBe(true);
  });

  it('another email: valid false', async () => {
    const r = await post('/license/validate', { licenseKey: key, email: 'someone-else@example.com' });
    expect(r).toEqual({ status: 200, body: { valid: false, message: 'License key was issued for a different email address', type: 'paid', expiresAt: null } });
  });

  it('a tampered key (email or expiry changed, signature kept): valid false', async () => {
    for (const forged of [tampered(key, { email: 'thief@example.com' }), tampered(testKey({ email: OWNER, type: 'trial', expiresAt: '2020-01-01T00:00:00.000Z' }), { type: 'paid', expiresAt: null })]) {
      const r = await post('/license/validate', { licenseKey: forged, email: 'thief@example.com' });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ valid: false, type: null, expiresAt: null });
      expect(r.body.message).toMatch(/signature is invalid/);
    }
  });

  it('an expired key: valid false with its type and end', async () => {
    const r = await post('/license/validate', { licenseKey: testKey({ email: OWNER, issuedAt: '2024-01-01T00:00:00.000Z', expiresAt: '2024-02-01T00:00:00.000Z' }) });
    expect(r).toEqual({ status: 200, body: { valid: false, message: 'License key expired at 2024-02-01T00:00:00.000Z', type: 'paid', expiresAt: '2024-02-01T00:00:00.000Z' } });
  });

  it('not a key at all: valid false', async () => {
    for (const k of ['abc123...', 'x.y.z', 'a.b']) expect((await post('/license/validate', { licenseKey: k })).body.valid).toBe(false);
  });

  it('missing or non-string licenseKey, non-string email, no body, bad JSON: 400', async () => {
    expect400(await post('/license/validate', {}), 'VALIDATION_ERROR', /licenseKey is required/);
    expect400(await post('/license/validate', { licenseKey: '' }), 'VALIDATION_ERROR', /licenseKey is required/);
    expect400(await post('/license/validate', { licenseKey: 42 }), 'VALIDATION_ERROR', /licenseKey/);
    expect400(await post('/license/validate', { licenseKey: key, email: ['x'] }), 'VALIDATION_ERROR', /email must be a string/);
    expect400(await post('/license/validate'), 'VALIDATION_ERROR', /licenseKey is required/);
    const badJson = await post('/license/validate', '{"licenseKey":');
    expect(badJson).toEqual({ status: 400, body: { error: 'INVALID_JSON', message: 'Invalid JSON in the request body: Unexpected end of JSON input', statusCode: 400 } });
  });
});

describe('trials', () => {
  it('before any trial: status inactive; licence status invalid; enforcement off keeps admin endpoints open', async () => {
    expect(await get('/trial/status')).toEqual({ status: 200, body: { active: false, trialExpiresAt: null, daysRemaining: 0, email: null } });
    expect(await get('/license/status')).toEqual({
      status: 200,
      body: { valid: false, status: 'invalid', type: null, expiresAt: null, trialExpiresAt: null, gracePeriodEndsAt: null },
    });
    expect((await get('/schemas', { Authorization: adminAuth })).status).toBe(200);
  });

  it('start: missing or malformed email → 400, nothing stored', async () => {
    expect400(await post('/trial/start', {}), 'VALIDATION_ERROR', /email is required/);
    expect400(await post('/trial/start', { email: 'not-an-email' }), 'VALIDATION_ERROR', /email must be an email address/);
    expect400(await post('/trial/start', { email: `${'a'.repeat(250)}@x.io` }), 'VALIDATION_ERROR', /email must be an email address/);
    expect((await db().query('SELECT count(*)::int AS n FROM basalt.trial')).rows[0].n).toBe(0);
  });

  it('start: 14 days, stored in the control schema', async () => {
    const before = Date.now();
    const r = await post('/trial/start', { email: 'trial@example.com' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ success: true, message: 'Trial started successfully' });
    const ends = Date.parse(r.body.trialExpiresAt);
    expect(ends - before).toBeGreaterThanOrEqual(14 * DAY_MS - 1000);
    expect(ends - Date.now()).toBeLessThanOrEqual(14 * DAY_MS);
    const { rows } = await db().query('SELECT email, expires_at FROM basalt.trial');
    expect(rows).toEqual([{ email: 'trial@example.com', expires_at: new Date(ends) }]);

    expect(await get('/trial/status')).toEqual({ status: 200, body: { active: true, trialExpiresAt: r.body.trialExpiresAt, daysRemaining: 14, email: 'trial@example.com' } });
    expect(await get('/license/status')).toEqual({
      status: 200,
      body: { valid: true, status: 'trial', type: 'trial', expiresAt: r.body.trialExpiresAt, trialExpiresAt: r.body.trialExpiresAt, gracePeriodEndsAt: null },
    });
  });

  it('a second start → 400, and the first trial stands', async () => {
    const r = await post('/trial/start', { email: 'again@example.com' });
    expect400(r, 'TRIAL_ALREADY_STARTED', /already started on this installation/);
    const { rows } = await db().query('SELECT email FROM basalt.trial');
    expect(rows).toEqual([{ email: 'trial@example.com' }]);
  });
});

describe('POST /api/license/activate', () => {
  const key = testKey({ email: OWNER, expiresAt: new Date(Date.now() + 365 * DAY_MS).toISOString() });
  const count = async () => (await db().query('SELECT count(*)::int AS n FROM basalt.licenses')).rows[0].n;

  it('missing licenseKey or email → 400', async () => {
    expect400(await post('/license/activate', { email: OWNER }), 'VALIDATION_ERROR', /licenseKey is required/);
    expect400(await post('/license/activate', { licenseKey: key }), 'VALIDATION_ERROR', /email is required/);
    expect400(await post('/license/activate'), 'VALIDATION_ERROR', /licenseKey is required/);
  });

  it('tampered, not a key, another email, expired → 400 with a code each; nothing stored', async () => {
    expect400(await post('/license/activate', { licenseKey: tampered(key, { email: 'thief@example.com' }), email: 'thief@example.com' }), 'INVALID_LICENSE', /signature is invalid/);
    expect400(await post('/license/activate', { licenseKey: 'abc123...', email: OWNER }), 'INVALID_LICENSE', /Not a Basalt licence key/);
    expect400(await post('/license/activate', { licenseKey: key, email: 'someone-else@example.com' }), 'LICENSE_EMAIL_MISMATCH', /different email/);
    const old = testKey({ email: OWNER, issuedAt: '2024-01-01T00:00:00.000Z', expiresAt: '2024-02-01T00:00:00.000Z' });
    expect400(await post('/license/activate', { licenseKey: old, email: OWNER }), 'LICENSE_EXPIRED', /expired at 2024-02-01/);
    expect(await count()).toBe(0);
  });

  it('a genuine key with its owner email: the seed body; stored; status active (paid wins over the trial)', async () => {
    const r = await post('/license/activate', { licenseKey: key, email: 'OWNER@example.com' });
    expect(r).toEqual({ status: 200, body: { valid: true, success: true, message: 'License activated successfully. You can deploy on unlimited platforms.' } });
    const { rows } = await db().query('SELECT email, license_type, expires_at, last_validated_at, license_key FROM basalt.licenses');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ email: OWNER, license_type: 'paid', license_key: key });
    expect(Date.now() - rows[0].last_validated_at.getTime()).toBeLessThan(10_000);
    const expiresAt = JSON.parse(Buffer.from(key.split('.')[0], 'base64url').toString()).expiresAt;
    expect(await get('/license/status')).toEqual({ status: 200, body: { valid: true, status: 'active', type: 'paid', expiresAt, trialExpiresAt: null, gracePeriodEndsAt: null } });
  });

  it('activating it again keeps one row', async () => {
    expect((await post('/license/activate', { licenseKey: key, email: OWNER })).status).toBe(200);
    expect(await count()).toBe(1);
  });
});
