import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CryptoJsAesError, decryptCryptoJsAes, encryptCryptoJsAes } from '../../src/api/pg-meta/crypto-js-aes.ts';

// Produced by `openssl enc -aes-256-cbc -md md5 -salt -a -A -pass pass:<key>`, the same
// format CryptoJS.AES.encrypt(text, key).toString() writes (an independent implementation).
const VECTORS = [
  {
    key: 'pg-meta-vector-key',
    text: 'postgres://vector_user:s3cr%40t@127.0.0.1:5432/vector_db',
    cipher: 'U2FsdGVkX1/k4VpuCsbUscHG9wnnLk+DHV1Jkj914354XN8aA7CCYoeZbJpjgW0SnpB0z/lZ3Hx8NaoT0W0TTUYT6+bNLqopVvqNS2seUkk=',
  },
  { key: 'clé-ünïcode', text: 'héllo wörld ✓', cipher: 'U2FsdGVkX1/WpLrROvSic75c3idsG6EDFocZxWGMQUF+iFJnhRomjoBE29Q0ErWp' },
];

describe('CryptoJS-compatible AES', () => {
  it('decrypts strings made by OpenSSL/CryptoJS', () => {
    for (const v of VECTORS) expect(decryptCryptoJsAes(v.cipher, v.key)).toBe(v.text);
  });

  it('encrypts byte-for-byte as OpenSSL does for the same salt', () => {
    const salt = Buffer.from(VECTORS[0].cipher, 'base64').subarray(8, 16);
    expect(encryptCryptoJsAes(VECTORS[0].text, VECTORS[0].key, salt)).toBe(VECTORS[0].cipher);
  });

  it('starts with the "Salted__" header, uses a fresh salt and round-trips', () => {
    const a = encryptCryptoJsAes('postgres://x@y/z', 'k');
    const b = encryptCryptoJsAes('postgres://x@y/z', 'k');
    expect(a.startsWith('U2FsdGVkX1')).toBe(true);
    expect(a).not.toBe(b);
    expect(decryptCryptoJsAes(a, 'k')).toBe('postgres://x@y/z');
    expect(decryptCryptoJsAes(encryptCryptoJsAes('', 'k'), 'k')).toBe('');
    const long = 'x'.repeat(1000);
    expect(decryptCryptoJsAes(encryptCryptoJsAes(long, 'k'), 'k')).toBe(long);
  });

  // The test command installs openssl when it is missing (scripts/ensure-deps.sh).
  it('is decrypted by openssl', () => {
    const out = execFileSync('openssl', ['enc', '-d', '-aes-256-cbc', '-md', 'md5', '-a', '-A', '-pass', 'pass:other key'], {
      input: encryptCryptoJsAes('made by node:crypto', 'other key'),
      stdio: ['pipe', 'pipe', 'ignore'],
    }).toString();
    expect(out).toBe('made by node:crypto');
  });

  it('rejects a wrong key, garbage and truncated input without echoing it', () => {
    const good = VECTORS[0].cipher;
    const bad = [
      () => decryptCryptoJsAes(good, 'wrong-key'),
      () => decryptCryptoJsAes('not base64 at all!', 'k'),
      () => decryptCryptoJsAes(Buffer.from('plain text that is long enough for a block').toString('base64'), 'k'),
      () => decryptCryptoJsAes(good.slice(0, 30), VECTORS[0].key),
      () => decryptCryptoJsAes('', 'k'),
    ];
    for (const f of bad) {
      expect(f).toThrow(CryptoJsAesError);
      try {
        f();
      } catch (e) {
        expect((e as Error).message).not.toContain('vector');
      }
    }
  });
});
