/** The installation's licences and trial in the control schema. Times come from the caller's clock. */
import type { KeyObject } from 'node:crypto';
import type { Pool } from '../db/pool.ts';
import { licenseKeyHash, verifyLicenseKey, type LicensePayload, type LicenseType } from './license-key.ts';
import type { LicenseState, StoredLicense, StoredTrial } from './license-status.ts';

interface LicenseRow {
  key_hash: Buffer;
  license_key: string;
  email: string;
  license_type: LicenseType;
  expires_at: Date | null;
  last_validated_at: Date;
  last_check_error: string | null;
  revoked_at: Date | null;
}

export interface CurrentLicense extends StoredLicense {
  key: string;
  hash: Buffer;
}

export class LicenseStore {
  constructor(
    private readonly pool: Pool,
    private readonly publicKey: KeyObject,
  ) {}

  private toLicense(r: LicenseRow): CurrentLicense {
    return {
      key: r.license_key,
      hash: r.key_hash,
      type: r.license_type,
      email: r.email,
      expiresAt: r.expires_at,
      lastValidatedAt: r.last_validated_at,
      lastCheckFailed: r.last_check_error !== null,
      revoked: r.revoked_at !== null,
      // Re-checked on every read: a changed LICENSE_PUBLIC_KEY must not keep an old key valid.
      genuine: verifyLicenseKey(r.license_key, this.publicKey).ok,
    };
  }

  /** The last activated licence. */
  async current(): Promise<CurrentLicense | null> {
    const { rows } = await this.pool.query<LicenseRow>(
      `SELECT key_hash, license_key, email, license_type, expires_at, last_validated_at, last_check_error, revoked_at
         FROM basalt.licenses ORDER BY activated_at DESC LIMIT 1`,
    );
    return rows[0] ? this.toLicense(rows[0]) : null;
  }

  async find(key: string): Promise<CurrentLicense | null> {
    const { rows } = await this.pool.query<LicenseRow>(
      `SELECT key_hash, license_key, email, license_type, expires_at, last_validated_at, last_check_error, revoked_at
         FROM basalt.licenses WHERE key_hash = $1`,
      [licenseKeyHash(key)],
    );
    return rows[0] ? this.toLicense(rows[0]) : null;
  }

  async trial(): Promise<StoredTrial | null> {
    const { rows } = await this.pool.query<{ email: string; started_at: Date; expires_at: Date }>('SELECT email, started_at, expires_at FROM basalt.trial');
    return rows[0] ? { email: rows[0].email, startedAt: rows[0].started_at, expiresAt: rows[0].expires_at } : null;
  }

  async state(serverConfigured: boolean): Promise<LicenseState> {
    const [license, trial] = await Promise.all([this.current(), this.trial()]);
    return { license, trial, serverConfigured };
  }

  /**
   * Makes the key the current licence. `validated`: the server (or, without one, the
   * signature) confirmed it now. A key seen before keeps its last validation when it was
   * not confirmed now, so activating it again cannot extend its grace period.
   */
  async activate(key: string, p: LicensePayload, now: Date, validated: boolean): Promise<void> {
    await this.pool.query(
      `INSERT INTO basalt.licenses (key_hash, license_key, email, license_type, issued_at, expires_at, activated_at, last_validated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
       ON CONFLICT (key_hash) DO UPDATE SET
         activated_at = EXCLUDED.activated_at,
         last_validated_at = CASE WHEN $8 THEN EXCLUDED.last_validated_at ELSE basalt.licenses.last_validated_at END,
         last_check_error = CASE WHEN $8 THEN NULL ELSE basalt.licenses.last_check_error END,
         revoked_at = CASE WHEN $8 THEN NULL ELSE basalt.licenses.revoked_at END,
         revoked_reason = CASE WHEN $8 THEN NULL ELSE basalt.licenses.revoked_reason END`,
      [licenseKeyHash(key), key.trim(), p.email.toLowerCase(), p.type, p.issuedAt, p.expiresAt, now, validated],
    );
  }

  /** The one trial of this installation; false when it was started before. */
  async startTrial(email: string, startedAt: Date, expiresAt: Date): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'INSERT INTO basalt.trial (email, started_at, expires_at) VALUES ($1, $2, $3) ON CONFLICT (singleton) DO NOTHING',
      [email, startedAt, expiresAt],
    );
    return rowCount === 1;
  }

  async recordValidated(hash: Buffer, now: Date): Promise<void> {
    await this.pool.query(
      `UPDATE basalt.licenses SET last_validated_at = $2, last_checked_at = $2, last_check_error = NULL, revoked_at = NULL, revoked_reason = NULL
        WHERE key_hash = $1`,
      [hash, now],
    );
  }

  async recordRevoked(hash: Buffer, now: Date, reason: string): Promise<void> {
    await this.pool.query(
      `UPDATE basalt.licenses SET last_checked_at = $2, last_check_error = NULL, revoked_at = COALESCE(revoked_at, $2), revoked_reason = $3
        WHERE key_hash = $1`,
      [hash, now, reason],
    );
  }

  async recordUnreachable(hash: Buffer, now: Date, error: string): Promise<void> {
    await this.pool.query('UPDATE basalt.licenses SET last_checked_at = $2, last_check_error = $3 WHERE key_hash = $1', [hash, now, error]);
  }
}
