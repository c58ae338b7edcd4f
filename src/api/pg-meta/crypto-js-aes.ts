/**
 * The text format of CryptoJS.AES.encrypt(text, passphrase).toString(), which is also
 * `openssl enc -aes-256-cbc -md md5 -salt -a`: base64 of "Salted__" + 8-byte salt +
 * AES-256-CBC/PKCS#7 ciphertext, key and IV derived from passphrase and salt with
 * OpenSSL's EVP_BytesToKey (MD5, one iteration). postgres-meta's X-Connection-Encrypted
 * header uses it, so clients built for postgres-meta can talk to Basalt.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const MAGIC = Buffer.from('Salted__', 'latin1');
const KEY_LEN = 32;
const IV_LEN = 16;

/** EVP_BytesToKey with MD5 and one round: D_i = MD5(D_{i-1} || passphrase || salt). */
function bytesToKey(passphrase: Buffer, salt: Buffer): { key: Buffer; iv: Buffer } {
  const blocks: Buffer[] = [];
  let prev = Buffer.alloc(0);
  let have = 0;
  while (have < KEY_LEN + IV_LEN) {
    prev = createHash('md5').update(Buffer.concat([prev, passphrase, salt])).digest();
    blocks.push(prev);
    have += prev.length;
  }
  const all = Buffer.concat(blocks);
  return { key: all.subarray(0, KEY_LEN), iv: all.subarray(KEY_LEN, KEY_LEN + IV_LEN) };
}

export function encryptCryptoJsAes(plaintext: string, passphrase: string, salt: Buffer = randomBytes(8)): string {
  if (salt.length !== 8) throw new Error('salt must be 8 bytes');
  const { key, iv } = bytesToKey(Buffer.from(passphrase, 'utf8'), salt);
  const c = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([MAGIC, salt, c.update(plaintext, 'utf8'), c.final()]).toString('base64');
}

export class CryptoJsAesError extends Error {}

/**
 * Decrypts that format; throws CryptoJsAesError when the text is not in it, the key is
 * wrong (bad padding), or the result is not UTF-8. The message never includes the input.
 */
export function decryptCryptoJsAes(encoded: string, passphrase: string): string {
  const text = encoded.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new CryptoJsAesError('not base64');
  const raw = Buffer.from(text, 'base64');
  // Salt block plus at least one cipher block, whole blocks only.
  if (raw.length < 32 || !raw.subarray(0, 8).equals(MAGIC) || (raw.length - 16) % 16 !== 0) {
    throw new CryptoJsAesError('not an OpenSSL "Salted__" AES ciphertext');
  }
  const { key, iv } = bytesToKey(Buffer.from(passphrase, 'utf8'), raw.subarray(8, 16));
  let plain: Buffer;
  try {
    const d = createDecipheriv('aes-256-cbc', key, iv);
    plain = Buffer.concat([d.update(raw.subarray(16)), d.final()]);
  } catch {
    throw new CryptoJsAesError('wrong key or corrupt ciphertext');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    throw new CryptoJsAesError('wrong key or corrupt ciphertext');
  }
}
