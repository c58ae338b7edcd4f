import { randomInt } from 'node:crypto';

/** Project refs and organization slugs: 20 lowercase letters, as Supabase makes them. */
export const REF_FORMAT = /^[a-z]{20}$/;

export function newRef(): string {
  let out = '';
  for (let i = 0; i < 20; i++) out += String.fromCharCode(97 + randomInt(26));
  return out;
}
