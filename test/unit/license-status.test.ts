/** The pure licence status computation, driven by a fake clock. */
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/shared/license/clock.ts';
import { DAY_MS, keyVerdict, licenseStatus, trialEnd, trialStatus, blockedReason, type StoredLicense, type StoredTrial } from '../../src/shared/license/license-status.ts';

const T0 = new Date('2025-03-01T10:00:00.000Z');
/** A clock that the test moves by hand. */
function fakeClock(start: Date) {
  let t = start.getTime();
  const now: Clock = () => new Date(t);
  return { now, advance: (ms: number) => void (t += ms), set: (d: Date) => void (t = d.getTime()) };
}
const days = (n: number) => n * DAY_MS;
const at = (d: Date, ms: number) => new Date(d.getTime() + ms);

const paid = (o: Partial<StoredLicense> = {}): StoredLicense => ({
  type: 'paid',
  email: 'owner@example.com',
  expiresAt: null,
  lastValidatedAt: T0,
  lastCheckFailed: false,
  revoked: false,
  genuine: true,
  ...o,
});
const trial: StoredTrial = { email: 't@example.com', startedAt: T0, expiresAt: trialEnd(T0) };

describe('licenseStatus', () => {
  it('with nothing activated: invalid, every field null', () => {
    expect(licenseStatus({ license: null, trial: null, serverConfigured: false }, T0)).toEqual({
      valid: false, status: 'invalid', type: null, expiresAt: null, trialExpiresAt: null, gracePeriodEndsAt: null,
    });
  });

  it('a lifetime paid licence is active, as in the seed example', () => {
    expect(licenseStatus({ license: paid(), trial: null, serverConfigured: false }, at(T0, days(1000)))).toEqual({
      valid: true, status: 'active', type: 'paid', expiresAt: null, trialExpiresAt: null, gracePeriodEndsAt: null,
    });
  });

  it('a trial runs 14 days and then expires, to the millisecond', () => {
    const c = fakeClock(T0);
    const ends = '2025-03-15T10:00:00.000Z';
    expect(licenseStatus({ license: null, trial, serverConfigured: false }, c.now())).toEqual({
      valid: true, status: 'trial', type: 'trial', expiresAt: ends, trialExpiresAt: ends, gracePeriodEndsAt: null,
    });
    c.set(new Date(Date.parse(ends) - 1));
    expect(licenseStatus({ license: null, trial, serverConfigured: false }, c.now()).status).toBe('trial');
    c.advance(1);
    expect(licenseStatus({ license: null, trial, serverConfigured: false }, c.now())).toMatchObject({ valid: false, status: 'expired', type: 'trial', trialExpiresAt: ends });
  });

  it('a paid licence with an end date expires then, even with a trial expired too', () => {
    const lic = paid({ expiresAt: at(T0, days(30)) });
    expect(licenseStatus({ license: lic, trial, serverConfigured: false }, at(T0, days(29))).status).toBe('active');
    expect(licenseStatus({ license: lic, trial, serverConfigured: false }, at(T0, days(30)))).toEqual({
      valid: false, status: 'expired', type: 'paid', expiresAt: at(T0, days(30)).toISOString(), trialExpiresAt: null, gracePeriodEndsAt: null,
    });
  });

  it('a running trial wins over an expired licence; a valid licence wins over a running trial', () => {
    const expired = paid({ expiresAt: at(T0, days(1)) });
    expect(licenseStatus({ license: expired, trial, serverConfigured: false }, at(T0, days(2))).status).toBe('trial');
    expect(licenseStatus({ license: paid(), trial, serverConfigured: false }, at(T0, days(2))).status).toBe('active');
  });

  it('revoked or no longer genuine: invalid', () => {
    expect(licenseStatus({ license: paid({ revoked: true }), trial: null, serverConfigured: true }, T0)).toMatchObject({ valid: false, status: 'invalid', type: 'paid' });
    expect(licenseStatus({ license: paid({ genuine: false }), trial: null, serverConfigured: false }, T0)).toMatchObject({ valid: false, status: 'invalid', type: 'paid' });
  });

  describe('offline grace period (licence server configured)', () => {
    const s = (license: StoredLicense, now: Date) => licenseStatus({ license, trial: null, serverConfigured: true }, now);

    it('paid: active while confirmed; a failed check starts the 7-day grace counted from the last validation', () => {
      expect(s(paid(), at(T0, days(1))).status).toBe('active');
      const offline = paid({ lastCheckFailed: true });
      const ends = at(T0, days(7)).toISOString();
      expect(s(offline, at(T0, days(1)))).toEqual({ valid: true, status: 'grace_period', type: 'paid', expiresAt: null, trialExpiresAt: null, gracePeriodEndsAt: ends });
      expect(s(offline, at(T0, days(7) - 1)).status).toBe('grace_period');
      expect(s(offline, at(T0, days(7)))).toEqual({ valid: false, status: 'invalid', type: 'paid', expiresAt: null, trialExpiresAt: null, gracePeriodEndsAt: ends });
    });

    it('no confirmation for more than 36 hours counts as offline even without a recorded failure', () => {
      expect(s(paid(), at(T0, 36 * 3_600_000)).status).toBe('active');
      expect(s(paid(), at(T0, 36 * 3_600_000 + 1)).status).toBe('grace_period');
      expect(s(paid(), at(T0, days(8))).valid).toBe(false);
    });

    it('a trial licence key has 3 days of grace and reports as trial', () => {
      const t = paid({ type: 'trial', expiresAt: at(T0, days(30)), lastCheckFailed: true });
      expect(s({ ...t, lastCheckFailed: false }, at(T0, days(1))).status).toBe('trial');
      expect(s(t, at(T0, days(2)))).toMatchObject({ valid: true, status: 'grace_period', type: 'trial', gracePeriodEndsAt: at(T0, days(3)).toISOString(), trialExpiresAt: at(T0, days(30)).toISOString() });
      expect(s(t, at(T0, days(3))).valid).toBe(false);
    });

    it('without a licence server there is no grace: the signature is the validation', () => {
      expect(licenseStatus({ license: paid({ lastCheckFailed: true }), trial: null, serverConfigured: false }, at(T0, days(365))).status).toBe('active');
    });

    it('an expired key is expired, not in grace', () => {
      expect(s(paid({ expiresAt: at(T0, days(2)), lastCheckFailed: true }), at(T0, days(3))).status).toBe('expired');
    });
  });

  it('blockedReason names the cause', () => {
    expect(blockedReason(licenseStatus({ license: null, trial: null, serverConfigured: false }, T0))).toMatch(/no licence/);
    expect(blockedReason(licenseStatus({ license: null, trial, serverConfigured: false }, at(T0, days(20))))).toMatch(/trial expired/);
    expect(blockedReason(licenseStatus({ license: paid({ lastCheckFailed: true }), trial: null, serverConfigured: true }, at(T0, days(9))))).toMatch(/grace period ended/);
  });
});

describe('trialStatus', () => {
  it('counts whole days remaining, rounding up, and 0 once over', () => {
    expect(trialStatus(trial, T0)).toEqual({ active: true, trialExpiresAt: '2025-03-15T10:00:00.000Z', daysRemaining: 14, email: 't@example.com' });
    expect(trialStatus(trial, at(T0, days(7))).daysRemaining).toBe(7);
    expect(trialStatus(trial, at(T0, days(13) + 1)).daysRemaining).toBe(1);
    expect(trialStatus(trial, at(T0, days(15)))).toEqual({ active: false, trialExpiresAt: '2025-03-15T10:00:00.000Z', daysRemaining: 0, email: 't@example.com' });
    expect(trialStatus(null, T0)).toEqual({ active: false, trialExpiresAt: null, daysRemaining: 0, email: null });
  });
});

describe('keyVerdict', () => {
  const p = { email: 'owner@example.com', type: 'paid' as const, issuedAt: T0.toISOString(), expiresAt: at(T0, days(10)).toISOString() };
  it('checks expiry and, case-insensitively, the email', () => {
    expect(keyVerdict(p, T0)).toEqual({ valid: true });
    expect(keyVerdict(p, T0, ' Owner@Example.com ')).toEqual({ valid: true });
    expect(keyVerdict(p, T0, 'other@example.com')).toMatchObject({ valid: false, code: 'LICENSE_EMAIL_MISMATCH' });
    expect(keyVerdict(p, at(T0, days(10)))).toMatchObject({ valid: false, code: 'LICENSE_EXPIRED' });
    expect(keyVerdict({ ...p, expiresAt: null }, at(T0, days(10_000)))).toEqual({ valid: true });
  });
});
