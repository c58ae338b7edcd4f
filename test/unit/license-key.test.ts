/** Licence key signing and verification: format, tampering, other keys. */
import { readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { issueLicenseKey, licensePublicKey, parsePrivateKey, parsePublicKey, verifyLicenseKey } from '../../src/shared/license/license-key.ts';

const fixtures = new URL('../fixtures/license/', import.meta.url);
const publicPem = readFileSync(new URL('test-public-key.pem', fixtures), 'utf8');
const privateKey = parsePrivateKey(readFileSync(new URL('TEST-ONLY-private-key.pem', fixtures), 'utf8'));
const publicKey = parsePublicKey(publicPem);
const payload = { email: 'owner@example.com', type: 'paid' as const, issuedAt: '2025-01-01T00:00:00.000Z', expiresAt: null };

describe('licence keys', () => {
  it('round-trips: base64url(payload).base64url(signature)', () => {
    const key = issueLicenseKey(payload, privateKey);
    expect(key).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
    expect(JSON.parse(Buffer.from(key.split('.')[0], 'base64url').toString())).toEqual(payload);
    expect(verifyLicenseKey(key, publicKey)).toEqual({ ok: true, payload });
  });

  it('a changed payload (another email, a later expiry) fails the signature', () => {
    const [, sig] = issueLicenseKey(payload, privateKey).split('.');
    for (const forged of [{ ...payload, email: 'thief@example.com' }, { ...payload, type: 'paid', expiresAt: '2099-01-01T00:00:00.000Z' }]) {
      const key = `${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${sig}`;
      expect(verifyLicenseKey(key, publicKey)).toMatchObject({ ok: false, problem: 'signature' });
    }
  });

  it('a flipped signature bit fails', () => {
    const [body, sig] = issueLicenseKey(payload, privateKey).split('.');
    const bytes = Buffer.from(sig, 'base64url');
    bytes[10] ^= 1;
    expect(verifyLicenseKey(`${body}.${bytes.toString('base64url')}`, publicKey)).toMatchObject({ ok: false, problem: 'signature' });
  });

  it('a key signed by another keypair fails; so does the shipped vendor key for a test key', () => {
    const other = generateKeyPairSync('ed25519');
    expect(verifyLicenseKey(issueLicenseKey(payload, other.privateKey), publicKey)).toMatchObject({ ok: false, problem: 'signature' });
    expect(verifyLicenseKey(issueLicenseKey(payload, privateKey), licensePublicKey(undefined))).toMatchObject({ ok: false, problem: 'signature' });
  });

  it('garbage is malformed, never an exception', () => {
    for (const k of ['', 'abc', 'a.b.c', 'a b.c', '!!!.???', `${Buffer.from('not json').toString('base64url')}.AAAA`]) {
      expect(verifyLicenseKey(k, publicKey).ok, k).toBe(false);
    }
  });

  it('the public key is accepted as PEM, PEM with \\n escapes, or base64 SPKI DER; other key types are refused', () => {
    const der = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const key = issueLicenseKey(payload, privateKey);
    for (const text of [publicPem, publicPem.replace(/\n/g, '\\n'), der]) expect(verifyLicenseKey(key, parsePublicKey(text)).ok).toBe(true);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => parsePublicKey(rsa)).toThrow(/Ed25519/);
    expect(() => parsePublicKey('hello')).toThrow(/not a public key/);
  });
});
