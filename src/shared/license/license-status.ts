/**
 * What the installation's licence state means at a given moment. Pure: the stored rows and
 * a time in, the seed's status object out, so every rule is unit-testable with a fake clock.
 */
import type { LicensePayload, LicenseType } from './license-key.ts';
import { sameEmail } from './license-key.ts';

export const DAY_MS = 86_400_000;
export const TRIAL_DAYS = 14;
/** Offline grace period, counted from the last successful validation. */
export const GRACE_DAYS: Record<LicenseType, number> = { paid: 7, trial: 3 };
/**
 * The worker revalidates daily. A licence not confirmed for this long is running on its grace
 * period even if no failed check was recorded (e.g. no worker ran).
 */
export const STALE_AFTER_MS = 36 * 3_600_000;

export interface StoredLicense {
  type: LicenseType;
  email: string;
  expiresAt: Date | null;
  lastValidatedAt: Date;
  /** The last revalidation could not reach the licence server. */
  lastCheckFailed: boolean;
  /** The licence server answered that the key is no longer valid. */
  revoked: boolean;
  /** The stored key still verifies against the configured public key. */
  genuine: boolean;
}

export interface StoredTrial {
  email: string;
  startedAt: Date;
  expiresAt: Date;
}

export type StatusName = 'active' | 'trial' | 'expired' | 'grace_period' | 'invalid';

/** GET /api/license/status, exactly the seed's fields. */
export interface LicenseStatus {
  valid: boolean;
  status: StatusName;
  type: LicenseType | null;
  expiresAt: string | null;
  trialExpiresAt: string | null;
  gracePeriodEndsAt: string | null;
}

export interface LicenseState {
  license: StoredLicense | null;
  trial: StoredTrial | null;
  /** LICENSE_SERVER_URL is set: without a server there is nothing to be offline from. */
  serverConfigured: boolean;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** When a licence's offline grace period ends: counted from its last successful validation. */
export const graceEnd = (l: Pick<StoredLicense, 'type' | 'lastValidatedAt'>) => new Date(l.lastValidatedAt.getTime() + GRACE_DAYS[l.type] * DAY_MS);

function ofLicense(l: StoredLicense, serverConfigured: boolean, now: Date): LicenseStatus {
  const expiresAt = iso(l.expiresAt);
  const base = { type: l.type, expiresAt, trialExpiresAt: l.type === 'trial' ? expiresAt : null, gracePeriodEndsAt: null };
  if (!l.genuine || l.revoked) return { ...base, valid: false, status: 'invalid' };
  if (l.expiresAt && now.getTime() >= l.expiresAt.getTime()) return { ...base, valid: false, status: 'expired' };
  const running: StatusName = l.type === 'paid' ? 'active' : 'trial';
  if (!serverConfigured) return { ...base, valid: true, status: running };
  const graceEnds = graceEnd(l);
  // Past the grace period: blocked until the server confirms the key again.
  if (now.getTime() >= graceEnds.getTime()) return { ...base, valid: false, status: 'invalid', gracePeriodEndsAt: graceEnds.toISOString() };
  const offline = l.lastCheckFailed || now.getTime() - l.lastValidatedAt.getTime() > STALE_AFTER_MS;
  if (offline) return { ...base, valid: true, status: 'grace_period', gracePeriodEndsAt: graceEnds.toISOString() };
  return { ...base, valid: true, status: running };
}

function ofTrial(t: StoredTrial, now: Date): LicenseStatus {
  const ends = t.expiresAt.toISOString();
  const valid = now.getTime() < t.expiresAt.getTime();
  return { valid, status: valid ? 'trial' : 'expired', type: 'trial', expiresAt: ends, trialExpiresAt: ends, gracePeriodEndsAt: null };
}

const NOTHING: LicenseStatus = { valid: false, status: 'invalid', type: null, expiresAt: null, trialExpiresAt: null, gracePeriodEndsAt: null };

/**
 * A usable licence wins, then a running trial; otherwise the licence's (or the trial's)
 * reason for not being valid; with neither, `invalid`.
 */
export function licenseStatus(state: LicenseState, now: Date): LicenseStatus {
  const lic = state.license ? ofLicense(state.license, state.serverConfigured, now) : null;
  const trial = state.trial ? ofTrial(state.trial, now) : null;
  if (lic?.valid) return lic;
  if (trial?.valid) return trial;
  return lic ?? trial ?? NOTHING;
}

/** Why there is no valid licence, for the 402 message. */
export function blockedReason(s: LicenseStatus): string {
  if (s.status === 'expired') return s.type === 'trial' ? `the trial expired at ${s.trialExpiresAt}` : `the licence expired at ${s.expiresAt}`;
  if (s.gracePeriodEndsAt) return `the licence could not be validated with the licence server and its offline grace period ended at ${s.gracePeriodEndsAt}`;
  if (s.type) return 'the licence is not valid (revoked, or not signed by the configured key)';
  return 'no licence has been activated and no trial started';
}

export interface TrialStatus {
  active: boolean;
  trialExpiresAt: string | null;
  daysRemaining: number;
  email: string | null;
}

export function trialStatus(t: StoredTrial | null, now: Date): TrialStatus {
  if (!t) return { active: false, trialExpiresAt: null, daysRemaining: 0, email: null };
  const left = t.expiresAt.getTime() - now.getTime();
  return { active: left > 0, trialExpiresAt: t.expiresAt.toISOString(), daysRemaining: Math.max(0, Math.ceil(left / DAY_MS)), email: t.email };
}

export const trialEnd = (start: Date) => new Date(start.getTime() + TRIAL_DAYS * DAY_MS);

/** A genuine key's own checks: expiry and (when given) the owner's email. */
export function keyVerdict(p: LicensePayload, now: Date, email?: string): { valid: true } | { valid: false; code: 'LICENSE_EXPIRED' | 'LICENSE_EMAIL_MISMATCH'; message: string } {
  if (p.expiresAt && now.getTime() >= Date.parse(p.expiresAt)) return { valid: false, code: 'LICENSE_EXPIRED', message: `License key expired at ${new Date(p.expiresAt).toISOString()}` };
  if (email !== undefined && !sameEmail(email, p.email)) return { valid: false, code: 'LICENSE_EMAIL_MISMATCH', message: 'License key was issued for a different email address' };
  return { valid: true };
}
