/**
 * The licence lifecycle on an installation of its own (own database, API and worker) with
 * LICENSE_ENFORCEMENT=on, the test clock, and a licence server that cannot be reached:
 * nothing → trial → trial expired → paid licence active → server unreachable: grace period →
 * grace over: blocked (402) → a new paid licence → active.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/local-services.ts';
import { adminAuth } from '../support/env.ts';
import { poll } from '../support/processes.ts';
import { DAY_MS, freshInstallation, testKey, type Installation } from '../fixtures/license/installation.ts';

let inst: Installation;
let base: string;
const OWNER = 'buyer@example.com';

beforeAll(async () => {
  const closedPort = await freePort(); // nothing listens there: the licence server is unreachable
  inst = await freshInstallation('lic_life', {
    LICENSE_ENFORCEMENT: 'on',
    BASALT_CLOCK: 'adjustable',
    LICENSE_SERVER_URL: `http://127.0.0.1:${closedPort}/verify`,
  });
  base = `${inst.stack.base}/api`;
}, 120_000);
afterAll(async () => {
  await inst?.stop();
});

const get = async (p: string, auth = false) => {
  const res = await fetch(`${base}${p}`, { headers: auth ? { Authorization: adminAuth } : {} });
  return { status: res.status, body: await res.json() };
};
const post = async (p: string, body: unknown) => {
  const res = await fetch(`${base}${p}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};
const status = async () => (await get('/license/status')).body;

/** The admin endpoint the test probes: 402 when blocked, 200 otherwise. */
const adminProbe = async () => get('/schemas', true);

describe('licence lifecycle with a moved clock and the licence server unreachable', () => {
  it('the worker scheduled revalidation once under a stable id, and more workers do not multiply it', async () => {
    // The worker schedules in the background once it started.
    const schedulers = await poll(async () => {
      const found = await inst.licenseQueue.getJobSchedulers();
      return found.length ? found : undefined;
    }, 'the revalidation schedule', 20_000);
    expect(schedulers.map((s) => [s.key, Number(s.every)])).toEqual([['license-revalidation', DAY_MS]]);
    // It also ran at start: nothing to check yet in a fresh installation.
    const ran = await poll(async () => {
      const done = await inst.licenseQueue.getJobs(['completed']);
      return done.length ? done : undefined;
    }, 'the start-up revalidation', 20_000);
    expect(ran[0].returnvalue.outcome).toBe('no licence activated');
    await inst.stack.spawn('src/workers/main.ts');
    // The new worker's start-up run; then still one schedule, and one next daily run.
    await poll(async () => ((await inst.licenseQueue.getJobs(['completed'])).length === 2 ? true : undefined), 'the second start-up run', 20_000);
    expect((await inst.licenseQueue.getJobSchedulers()).map((s) => s.key)).toEqual(['license-revalidation']);
    expect(await inst.licenseQueue.getJobs(['delayed'])).toHaveLength(1);
  }, 60_000);

  it('a fresh installation has nothing: status invalid, admin endpoints 402, health and licence endpoints open', async () => {
    expect(await status()).toEqual({ valid: false, status: 'invalid', type: null, expiresAt: null, trialExpiresAt: null, gracePeriodEndsAt: null });
    const blocked = await adminProbe();
    expect(blocked.status).toBe(402);
    expect(blocked.body).toMatchObject({ error: 'LICENSE_REQUIRED', statusCode: 402 });
    expect(blocked.body.message).toMatch(/no licence has been activated and no trial started/);
    expect(blocked.body.nextActions).toMatch(/POST \/api\/license\/activate/);
    expect((await get('/health')).status).toBe(200);
    expect((await get('/trial/status')).status).toBe(200);
  });

  let trialEnds: string;
  it('trial start → status trial, admin endpoints open', async () => {
    const r = await post('/trial/start', { email: 'trial@example.com' });
    expect(r.status).toBe(200);
    trialEnds = r.body.trialExpiresAt;
    expect(await status()).toEqual({ valid: true, status: 'trial', type: 'trial', expiresAt: trialEnds, trialExpiresAt: trialEnds, gracePeriodEndsAt: null });
    expect((await adminProbe()).status).toBe(200);
  });

  it('15 days later: the trial has expired → 402', async () => {
    await inst.setClock(15 * DAY_MS);
    expect(await status()).toEqual({ valid: false, status: 'expired', type: 'trial', expiresAt: trialEnds, trialExpiresAt: trialEnds, gracePeriodEndsAt: null });
    expect((await get('/trial/status')).body).toEqual({ active: false, trialExpiresAt: trialEnds, daysRemaining: 0, email: 'trial@example.com' });
    const r = await adminProbe();
    expect(r.status).toBe(402);
    // As docs/licences.md shows it.
    expect(r.body).toEqual({
      error: 'LICENSE_REQUIRED',
      message: `No valid licence, trial or grace period: the trial expired at ${trialEnds}. Admin endpoints are disabled until a licence is activated.`,
      statusCode: 402,
      nextActions: 'Activate a licence with POST /api/license/activate or start a trial with POST /api/trial/start; GET /api/license/status shows the current state',
    });
    // Still one trial per installation, however late.
    const again = await post('/trial/start', { email: 'again@example.com' });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({
      error: 'TRIAL_ALREADY_STARTED',
      message: `A trial was already started on this installation (it ends ${trialEnds}); there is one trial per installation`,
      statusCode: 400,
      nextActions: 'There is one trial per installation; GET /api/trial/status shows it, POST /api/license/activate activates a licence',
    });
  });

  const keyA = testKey({ email: OWNER, expiresAt: new Date(Date.now() + 365 * DAY_MS).toISOString() });
  let validatedAt: number;
  it('activating a paid licence while the server is unreachable: accepted offline → active', async () => {
    const r = await post('/license/activate', { licenseKey: keyA, email: OWNER });
    expect(r).toEqual({ status: 200, body: { valid: true, success: true, message: 'License activated successfully. You can deploy on unlimited platforms.' } });
    const st = await status();
    expect(st).toMatchObject({ valid: true, status: 'active', type: 'paid', trialExpiresAt: null, gracePeriodEndsAt: null });
    expect((await adminProbe()).status).toBe(200);
    // The moved clock wrote the validation time: 15 days ahead.
    const { rows } = await inst.query('SELECT last_validated_at FROM basalt.licenses');
    validatedAt = rows[0].last_validated_at.getTime();
    expect(validatedAt - Date.now()).toBeGreaterThan(15 * DAY_MS - 60_000);
  });

  it('2 days later the daily revalidation cannot reach the server → grace period (7 days from the last validation), still open', async () => {
    await inst.setClock(17 * DAY_MS);
    const result = await inst.revalidate();
    expect(result.outcome).toMatch(/licence server unreachable \(ECONNREFUSED\)/);
    expect(result.status.status).toBe('grace_period');
    const { rows } = await inst.query('SELECT last_check_error, last_checked_at, last_validated_at FROM basalt.licenses');
    expect(rows[0].last_check_error).toBe('ECONNREFUSED');
    expect(rows[0].last_validated_at.getTime()).toBe(validatedAt);
    expect(await status()).toEqual({
      valid: true,
      status: 'grace_period',
      type: 'paid',
      expiresAt: JSON.parse(Buffer.from(keyA.split('.')[0], 'base64url').toString()).expiresAt,
      trialExpiresAt: null,
      gracePeriodEndsAt: new Date(validatedAt + 7 * DAY_MS).toISOString(),
    });
    expect((await adminProbe()).status).toBe(200);
  });

  it('8 days after the last validation the grace period is over → blocked: 402, while health and licence endpoints answer', async () => {
    await inst.setClock(23 * DAY_MS + 60_000);
    await inst.revalidate();
    const st = await status();
    expect(st).toMatchObject({ valid: false, status: 'invalid', type: 'paid', gracePeriodEndsAt: new Date(validatedAt + 7 * DAY_MS).toISOString() });
    const r = await adminProbe();
    expect(r.status).toBe(402);
    expect(r.body.error).toBe('LICENSE_REQUIRED');
    expect(r.body.message).toMatch(/offline grace period ended at/);
    expect((await get('/health')).status).toBe(200);
    expect((await get('/license/status')).status).toBe(200);
    expect((await get('/trial/status')).status).toBe(200);
    expect((await post('/license/validate', { licenseKey: keyA })).body.valid).toBe(true);
    // The data API is never blocked.
    expect((await fetch(`${inst.stack.base}/rest/v1/`)).status).toBe(200);
  });

  it('activating the same key again offline does not restart its grace period', async () => {
    const r = await post('/license/activate', { licenseKey: keyA, email: OWNER });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('INVALID_LICENSE');
    expect(r.body.message).toMatch(/grace period ended/);
    expect((await adminProbe()).status).toBe(402);
  });

  it('activating a new paid licence → active, admin endpoints open again', async () => {
    const keyB = testKey({ email: OWNER });
    expect((await post('/license/activate', { licenseKey: keyB, email: OWNER })).status).toBe(200);
    expect(await status()).toEqual({ valid: true, status: 'active', type: 'paid', expiresAt: null, trialExpiresAt: null, gracePeriodEndsAt: null });
    expect((await adminProbe()).status).toBe(200);
  });
});
