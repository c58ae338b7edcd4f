/**
 * Secrets at rest (project JWT secrets, Management API secrets, pgsodium root keys):
 * AES-256-GCM under BASALT_MASTER_KEY. A sealed value is `v1.<base64url(iv | tag | ciphertext)>`,
 * so a wrong key or a changed byte fails to open instead of yielding garbage.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ApiError, fail } from '../errors.ts';
import type { Config } from '../config.ts';

const VERSION = 'v1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;

type KeyConfig = Pick<Config, 'BASALT_MASTER_KEY'>;

/** 503 (not 500): the server works, it is just not configured for this feature. */
export const masterKeyMissing = () => fail('MASTER_KEY_MISSING', 'BASALT_MASTER_KEY is not configured');

function keyOf(config: KeyConfig): Buffer {
  if (!config.BASALT_MASTER_KEY) throw masterKeyMissing();
  return Buffer.from(config.BASALT_MASTER_KEY, 'hex');
}

/** Throws the 503 ApiError when BASALT_MASTER_KEY is unset; for endpoints that check before doing work. */
export function requireMasterKey(config: KeyConfig): void {
  keyOf(config);
}

export function sealWithMasterKey(config: KeyConfig, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyOf(config), iv);
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return VERSION + Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url');
}

/** Opens what sealWithMasterKey made; a different key or tampered value throws (a server fault, so plain Error). */
export function openWithMasterKey(config: KeyConfig, sealed: string): string {
  const key = keyOf(config);
  if (!sealed.startsWith(VERSION)) throw new Error('sealed value has an unknown format');
  const raw = Buffer.from(sealed.slice(VERSION.length), 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('sealed value is truncated');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('cannot open a sealed value: BASALT_MASTER_KEY differs from the one it was sealed with, or the value was altered');
  }
}
