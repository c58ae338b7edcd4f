import { createLocalJWKSet, jwtVerify, SignJWT, errors as joseErrors, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ApiError } from '../errors.ts';
import type { Config } from '../config.ts';

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

export function jwtError(code: 'PGRST301' | 'PGRST302' | 'PGRST303', message: string, details: string | null = null) {
  const desc = message.replace(/"/g, "'");
  return new ApiError(401, code, message, {
    details,
    headers: { 'WWW-Authenticate': code === 'PGRST302' ? 'Bearer' : `Bearer error="invalid_token", error_description="${desc}"` },
  });
}

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
    if (token.split('.').length !== 3) throw jwtError('PGRST301', 'Expected 3 parts in JWT; got ' + token.split('.').length);
    let claims: Claims;
    try {
      const { payload } = await jwtVerify(token, this.key as Uint8Array, { algorithms: this.algorithms, audience: this.opts.audience });
      claims = payload as Claims;
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw jwtError('PGRST303', 'JWT expired');
      if (e instanceof joseErrors.JWTClaimValidationFailed) {
        if (e.claim === 'aud') throw jwtError('PGRST303', 'JWT not in audience');
        if (e.claim === 'nbf') throw jwtError('PGRST303', 'JWT not yet valid');
        throw jwtError('PGRST303', `JWT claim ${e.claim} is invalid`);
      }
      if (e instanceof joseErrors.JWSSignatureVerificationFailed) throw jwtError('PGRST301', 'JWSError JWSInvalidSignature');
      if (e instanceof joseErrors.JOSEAlgNotAllowed || e instanceof joseErrors.JWKSNoMatchingKey) throw jwtError('PGRST301', 'No suitable key or wrong key type');
      throw jwtError('PGRST301', 'JWT could not be decoded', (e as Error).message);
    }
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
