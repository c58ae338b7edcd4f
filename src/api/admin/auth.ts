import type { RequestHandler } from 'express';
import { ApiError, fail } from '../../shared/errors.ts';
import { parseBasic, safeEqual } from '../auth/basic.ts';
import { jwtVerifierFor } from '../auth/jwt.ts';
import type { Config } from '../../shared/config.ts';
import { KEY_FORMAT, type ApiKeyStore } from '../auth/api-keys.ts';
import type { AuthBans } from '../../shared/security/auth-bans.ts';
import { clientIp } from '../middleware/client-ip.ts';

/** Brute-force scope of the server's own admin logins (see src/shared/security/auth-bans.ts). */
export const ADMIN_BAN_SCOPE = 'admin';

const unauthorized = (msg: string) =>
  fail('UNAUTHORIZED', msg, { headers: { 'WWW-Authenticate': 'Basic realm="basalt", charset="UTF-8"' } });

/**
 * Admin endpoints accept Basic auth with ADMIN_USER/ADMIN_PASSWORD (constant-time),
 * the operator's service_role API key (a key of a schema that is not a project's), or a
 * Bearer JWT signed with JWT_SECRET whose role is service_role. A project schema's keys,
 * service_role included, belong to a tenant and open only that schema's data API
 * (docs/security.md, "Credentials").
 * With `bans`, a wrong password, key or token counts as a failed login from the client's
 * address (scope `admin`), and a banned address is refused before its credentials are checked.
 */
/** What admin authentication needs: the config, and where available the API keys and the ban list. */
export interface AdminAuthDeps {
  config: Config;
  apiKeys?: ApiKeyStore;
  authBans?: AuthBans;
}

export function requireAdmin({ config, apiKeys, authBans: bans }: AdminAuthDeps): RequestHandler {
  const verifier = jwtVerifierFor(config);
  const check: RequestHandler = (req, _res, next) => {
    // A failed login is counted, then answered; the count never delays a correct login.
    const refuse = (e: ApiError) => {
      if (!bans) return next(e);
      bans.recordFailure(ADMIN_BAN_SCOPE, clientIp(req, config)).then(
        () => next(e),
        () => next(e),
      );
    };
    const header = req.header('authorization');
    const basic = parseBasic(header);
    if (basic) {
      // Evaluate both comparisons so timing does not reveal which one failed.
      const ok = [safeEqual(basic.user, config.ADMIN_USER), safeEqual(basic.password, config.ADMIN_PASSWORD)].every(Boolean);
      return ok ? next() : refuse(unauthorized('Invalid admin credentials'));
    }
    const bearer = (header?.match(/^Bearer\s+(.+)$/i)?.[1] ?? req.header('apikey'))?.trim();
    if (!bearer) return next(unauthorized('Admin authentication required'));
    if (apiKeys && KEY_FORMAT.test(bearer)) {
      apiKeys.lookup(bearer).then(
        (k) => {
          if (!k) return refuse(unauthorized('Invalid API key'));
          // A valid key of the wrong kind is not a guess: refused, not counted.
          if (k.isProject) return next(fail('FORBIDDEN', "A project schema's API key opens only that schema's data API, not admin endpoints"));
          return k.type === 'service_role' ? next() : next(fail('FORBIDDEN', 'A service_role key is required'));
        },
        next,
      );
      return;
    }
    verifier.verify(bearer).then(
      (claims) => (verifier.roleOf(claims) === 'service_role' ? next() : next(fail('FORBIDDEN', 'A service_role token is required'))),
      () => refuse(unauthorized('Invalid or expired token')),
    );
  };
  if (!bans) return check;
  return (req, res, next) => {
    bans.isBanned(ADMIN_BAN_SCOPE, clientIp(req, config)).then(
      (banned) =>
        banned
          ? next(fail('IP_BANNED', 'Too many failed admin logins from this address; it is blocked for a while (AUTH_BAN_DURATION_SECONDS)'))
          : check(req, res, next),
      // Redis unavailable: do not lock the admin out; credentials are still checked.
      () => check(req, res, next),
    );
  };
}
