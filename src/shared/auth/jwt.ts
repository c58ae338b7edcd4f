import { jwtVerify, SignJWT, errors as joseErrors, type JWTPayload } from 'jose';
import { ApiError } from '../errors.ts';

export interface Claims extends JWTPayload {
  role?: string;
}

const keyCache = new Map<string, Uint8Array>();
const keyOf = (secret: string) => {
  let k = keyCache.get(secret);
  if (!k) keyCache.set(secret, (k = new TextEncoder().encode(secret)));
  return k;
};

/** Verifies an HS256 JWT; failures are 401 PGRST301/PGRST303 as PostgREST answers them. */
export async function verifyJwt(token: string, secret: string): Promise<Claims> {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), { algorithms: ['HS256', 'HS384', 'HS512'] });
    return payload as Claims;
  } catch (e) {
    const expired = e instanceof joseErrors.JWTExpired;
    throw new ApiError(401, expired ? 'PGRST303' : 'PGRST301', expired ? 'JWT expired' : 'JWT could not be decoded', {
      details: expired ? null : (e as Error).message,
      headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${expired ? 'JWT expired' : 'JWT could not be decoded'}"` },
    });
  }
}

/** Signs a long-lived key in the shape Supabase uses for anon/service_role keys. */
export async function signRoleKey(role: string, secret: string, years = 10): Promise<string> {
  return new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('basalt')
    .setIssuedAt()
    .setExpirationTime(`${years * 365}d`)
    .sign(keyOf(secret));
}
