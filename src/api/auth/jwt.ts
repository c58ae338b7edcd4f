import { compactVerify, createLocalJWKSet, SignJWT, errors as joseErrors, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { jwtError } from '../engine/errors.ts';

import type { Config } from '../../shared/config.ts';

export interface Claims extends JWTPayload {
  role?: string;
  [k: string]: unknown;
}

export interface JwtOptions {
  /** An HMAC secret, or a JWK / JWKS (JSON) for RS256/ES256/… tokens. */
  secret: string;
  audience?: string;
  /** PostgREST's jwt-role-claim-key: `.role`, `.app_metadata.role`, `."https://x"."role"`. */
  roleClaimKey: string;
  cacheMax: number;
}

const HMAC = ['HS256', 'HS384', 'HS512'];
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Verifies data-API tokens and caches the verified claims until they expire. */
export class JwtVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly cache = new Map<string, { claims: Claims; until: number }>();
  private readonly rolePath: string[];

  constructor(private readonly opts: JwtOptions) {
    const s = opts.secret.trim();
    if (s.startsWith('{')) {
      const json = JSON.parse(s) as { keys?: unknown[] };
      this.key = createLocalJWKSet((json.keys ? json : { keys: [json] }) as Parameters<typeof createLocalJWKSet>[0]);
      this.algorithms = [...ASYMMETRIC, ...HMAC];
    } else {
      this.key = new TextEncoder().encode(opts.secret);
      this.algorithms = HMAC;
    }
    this.rolePath = parseClaimPath(opts.roleClaimKey);
  }

  async verify(token: string): Promise<Claims> {
    const hit = this.cache.get(token);
    if (hit && hit.until > Date.now()) return hit.claims;
    if (token === '') throw jwtError('PGRST301', 'Empty JWT is sent in Authorization header');
    if (token.split('.').length !== 3) throw jwtError('PGRST301', 'Expected 3 parts in JWT; got ' + token.split('.').length);
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(token, this.key as Uint8Array, { algorithms: this.algorithms }));
    } catch (e) {
      // PostgREST 13+'s words for each way a token fails to decode.
      if (e instanceof joseErrors.JOSEAlgNotAllowed && /"alg"\s*:\s*"none"/i.test(headerText(token))) {
        throw jwtError('PGRST301', 'Wrong or unsupported encoding algorithm', "JWT is unsecured but expected 'alg' was not 'none'");
      }
      if (e instanceof joseErrors.JWSSignatureVerificationFailed || e instanceof joseErrors.JOSEAlgNotAllowed || e instanceof joseErrors.JWKSNoMatchingKey) {
        throw jwtError('PGRST301', 'No suitable key or wrong key type', 'None of the keys was able to decode the JWT');
      }
      throw jwtError('PGRST301', 'JWT cryptographic operation failed');
    }
    const claims = checkClaims(payload, this.opts.audience);
    if (this.cache.size >= this.opts.cacheMax) this.cache.delete(this.cache.keys().next().value!);
    const until = typeof claims.exp === 'number' ? claims.exp * 1000 : Date.now() + 5 * 60_000;
    this.cache.set(token, { claims, until });
    return claims;
  }

  roleOf(claims: Claims): string | undefined {
    let v: unknown = claims;
    for (const k of this.rolePath) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
    return typeof v === 'string' ? v : undefined;
  }
}

function headerText(token: string): string {
  try {
    return Buffer.from(token.split('.')[0], 'base64url').toString('utf8');
  } catch {
    return '';
  }
}

/** PostgREST allows this much clock skew on exp, nbf and iat. */
const SKEW_SECONDS = 30;

/**
 * The claims PostgREST checks, in its order (exp, nbf, iat, aud), with its 401 PGRST303 texts:
 * each must have the right type when present, times allow 30 s of skew, and `aud` (a string or
 * an array of strings; an empty array passes) must name JWT_AUD when that is set.
 */
function checkClaims(payload: Uint8Array, audience: string | undefined): Claims {
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    claims = undefined;
  }
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) throw jwtError('PGRST303', 'Parsing claims failed');
  const c = claims as Claims;
  const now = Math.floor(Date.now() / 1000);
  const time = (key: 'exp' | 'nbf' | 'iat', invalid: (t: number) => boolean, message: string) => {
    const v = c[key];
    if (v === undefined || v === null) return;
    if (typeof v !== 'number') throw jwtError('PGRST303', `The JWT '${key}' claim must be a number`);
    if (invalid(Math.trunc(v))) throw jwtError('PGRST303', message);
  };
  time('exp', (t) => now - SKEW_SECONDS > t, 'JWT expired');
  time('nbf', (t) => now + SKEW_SECONDS < t, 'JWT not yet valid');
  time('iat', (t) => now + SKEW_SECONDS < t, 'JWT issued at future');
  const aud = c.aud;
  if (aud !== undefined && aud !== null) {
    const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) && aud.every((a) => typeof a === 'string') ? (aud as string[]) : undefined;
    if (!list) throw jwtError('PGRST303', "The JWT 'aud' claim must be a string or an array of strings");
    if (audience !== undefined && typeof aud === 'string' ? aud !== audience : audience !== undefined && list.length > 0 && !list.includes(audience)) {
      throw jwtError('PGRST303', 'JWT not in audience');
    }
  }
  return c;
}

/** `.a."b.c"[0]` → ['a', 'b.c', '0']. */
export function parseClaimPath(path: string): string[] {
  const out: string[] = [];
  const re = /\.(?:"([^"]+)"|([A-Za-z0-9_$-]+))|\[(\d+)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path))) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

/** Signs a long-lived key in the shape Supabase uses for anon/service_role keys. */
export async function signRoleKey(role: string, secret: string, years = 10): Promise<string> {
  return new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('basalt')
    .setIssuedAt()
    .setExpirationTime(`${years * 365}d`)
    .sign(new TextEncoder().encode(secret));
}

/** The verifier every surface uses, configured from the environment. */
export function jwtVerifierFor(config: Pick<Config, 'JWT_SECRET' | 'JWT_AUD' | 'JWT_ROLE_CLAIM_KEY' | 'JWT_CACHE_MAX_ENTRIES'>): JwtVerifier {
  return new JwtVerifier({ secret: config.JWT_SECRET, audience: config.JWT_AUD, roleClaimKey: config.JWT_ROLE_CLAIM_KEY, cacheMax: config.JWT_CACHE_MAX_ENTRIES });
}
