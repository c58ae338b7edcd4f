/**
 * Licence keys: `base64url(payload JSON) "." base64url(Ed25519 signature)`.
 *
 * The signature covers the exact payload bytes (the decoded first segment), so nothing is
 * re-serialised before verifying. The payload is `{email, type, issuedAt, expiresAt}`:
 * `type` is `paid` or `trial`, dates are ISO 8601, `expiresAt` null means a lifetime licence.
 * Only the vendor's private key can issue keys; Basalt verifies with the public key it ships
 * (src/shared/license/vendor-public-key.pem) or LICENSE_PUBLIC_KEY.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export type LicenseType = 'paid' | 'trial';

export interface LicensePayload {
  email: string;
  type: LicenseType;
  issuedAt: string;
  expiresAt: string | null;
}

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date');

const payloadSchema = z.object({
  email: z.string().min(3).max(254).includes('@'),
  type: z.enum(['paid', 'trial']),
  issuedAt: isoDate,
  expiresAt: isoDate.nullable(),
});

const VENDOR_KEY_FILE = new URL('./vendor-public-key.pem', import.meta.url);

/** Why a key was refused, for messages; `malformed` and `signature` are both "not a genuine key". */
export type KeyProblem = 'malformed' | 'signature';

export type VerifiedKey = { ok: true; payload: LicensePayload } | { ok: false; problem: KeyProblem; message: string };

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/**
 * Checks the format and the signature only; expiry and email are the caller's (they need a clock
 * and a request). Never throws for bad input.
 */
export function verifyLicenseKey(key: string, publicKey: KeyObject): VerifiedKey {
  const parts = key.trim().split('.');
  if (parts.length !== 2 || !SEGMENT.test(parts[0]) || !SEGMENT.test(parts[1])) {
    return { ok: false, problem: 'malformed', message: 'Not a Basalt licence key (expected two base64url segments joined by ".")' };
  }
  const body = Buffer.from(parts[0], 'base64url');
  const signature = Buffer.from(parts[1], 'base64url');
  let genuine = false;
  try {
    genuine = signature.length === 64 && verify(null, body, publicKey, signature);
  } catch {
    genuine = false;
  }
  if (!genuine) return { ok: false, problem: 'signature', message: 'Licence key signature is invalid: the key was altered or not issued by the vendor' };
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, problem: 'malformed', message: 'Licence key payload is not JSON' };
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) return { ok: false, problem: 'malformed', message: 'Licence key payload is incomplete' };
  const p = parsed.data;
  return { ok: true, payload: { email: p.email, type: p.type, issuedAt: p.issuedAt, expiresAt: p.expiresAt } };
}

/** Signs a payload with the vendor's private key (the CLI and tests use this). */
export function issueLicenseKey(payload: LicensePayload, privateKey: KeyObject): string {
  const parsed = payloadSchema.parse(payload);
  const body = Buffer.from(JSON.stringify({ email: parsed.email, type: parsed.type, issuedAt: parsed.issuedAt, expiresAt: parsed.expiresAt }), 'utf8');
  return `${body.toString('base64url')}.${sign(null, body, privateKey).toString('base64url')}`;
}

export function generateLicenseKeyPair(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/**
 * An Ed25519 public key from PEM text or base64 SPKI DER (one line, easier in an env file).
 * Throws a readable error for anything else.
 */
export function parsePublicKey(text: string): KeyObject {
  const t = text.trim().replace(/\\n/g, '\n');
  let key: KeyObject;
  try {
    key = t.startsWith('-----BEGIN') ? createPublicKey(t) : createPublicKey({ key: Buffer.from(t, 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new Error('LICENSE_PUBLIC_KEY: not a public key (give PEM text or base64 SPKI DER)');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`LICENSE_PUBLIC_KEY: must be an Ed25519 key, got ${key.asymmetricKeyType}`);
  return key;
}

export function parsePrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`private key must be Ed25519, got ${key.asymmetricKeyType}`);
  return key;
}

/** LICENSE_PUBLIC_KEY when set, else the vendor key Basalt ships. */
export function licensePublicKey(configured: string | undefined): KeyObject {
  return parsePublicKey(configured ?? readFileSync(VENDOR_KEY_FILE, 'utf8'));
}

/** How a stored key is found again: its SHA-256. */
export const licenseKeyHash = (key: string) => createHash('sha256').update(key.trim()).digest();

export const sameEmail = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
