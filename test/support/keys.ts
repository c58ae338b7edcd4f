/**
 * Keys and tokens for the data API tests, shaped like Supabase's: HS256 JWTs signed
 * with the test API's JWT_SECRET.
 *
 * `anonKey` and `serviceKey` are signed with jose. `userToken` must be usable inline
 * (`'Bearer ' + userToken(sub)`), and jose only signs asynchronously, so it signs
 * HS256 with node:crypto; `signToken` (jose) covers every other algorithm and secret.
 */
import { createHmac } from 'node:crypto';
import { generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { TEST_JWT_SECRET } from './test-env.ts';

const secretBytes = new TextEncoder().encode(TEST_JWT_SECRET);

/** Signs `payload` as a JWT with jose. Defaults: HS256 with the test secret. */
export async function signToken(
  payload: JWTPayload,
  o: { alg?: string; key?: Uint8Array | CryptoKey; header?: Record<string, unknown> } = {},
): Promise<string> {
  const alg = o.alg ?? 'HS256';
  return new SignJWT(payload).setProtectedHeader({ ...o.header, alg, typ: 'JWT' }).sign(o.key ?? secretBytes);
}

/** The anon key: `{ role: 'anon', iss: 'basalt' }`. */
export const anonKey: string = await signToken({ role: 'anon', iss: 'basalt' });

/** The service key: `{ role: 'service_role' }`. */
export const serviceKey: string = await signToken({ role: 'service_role' });

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/** An HS256 JWT signed synchronously with the test secret (or another secret). */
export function signHs256(payload: Record<string, unknown>, secret: string = TEST_JWT_SECRET): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(payload));
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/** A signed-in user's access token: `{ role: 'authenticated', sub, exp: now + 1h, ...extra }`. */
export function userToken(sub: string, extra: Record<string, unknown> = {}): string {
  return signHs256({ role: 'authenticated', sub, exp: Math.floor(Date.now() / 1000) + 3600, ...extra });
}

/** An unsecured JWT (`alg: none`, empty signature). */
export function unsignedToken(payload: Record<string, unknown>): string {
  return `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}.`;
}

/** An RS256 JWT signed with a freshly generated key the API has never seen. */
export async function foreignRs256Token(payload: JWTPayload): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  return signToken(payload, { alg: 'RS256', key: privateKey });
}

/**
 * Options for `createClient` in these tests: no session storage or refresh, and a
 * realtime transport stub. supabase-js builds its realtime client eagerly and, on
 * Node 20 (no global WebSocket), throws unless a transport is given; the data API
 * tests never open a realtime connection.
 */
export const supabaseTestOptions = {
  auth: { persistSession: false, autoRefreshToken: false },
  realtime: {
    transport: class NoWebSocket {
      constructor() {
        throw new Error('realtime is not available in the data API tests');
      }
    } as any,
  },
};
