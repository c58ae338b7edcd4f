import type { RequestHandler } from 'express';
import { ApiError } from '../../shared/errors.ts';
import { parseBasic, safeEqual } from '../../shared/auth/basic.ts';
import { jwtVerifierFor } from '../../shared/auth/jwt.ts';
import type { Config } from '../../shared/config.ts';
import { KEY_FORMAT, type ApiKeyStore } from '../../shared/auth/api-keys.ts';

const unauthorized = (msg: string) =>
  new ApiError(401, 'UNAUTHORIZED', msg, { headers: { 'WWW-Authenticate': 'Basic realm="basalt", charset="UTF-8"' } });

/**
 * Admin endpoints accept Basic auth with ADMIN_USER/ADMIN_PASSWORD (constant-time),
 * a service_role API key, or a Bearer JWT whose role is service_role.
 */
export function requireAdmin(config: Config, apiKeys?: ApiKeyStore): RequestHandler {
  const verifier = jwtVerifierFor(config);
  return (req, _res, next) => {
    const header = req.header('authorization');
    const basic = parseBasic(header);
    if (basic) {
      // Evaluate both comparisons so timing does not reveal which one failed.
      const ok = [safeEqual(basic.user, config.ADMIN_USER), safeEqual(basic.password, config.ADMIN_PASSWORD)].every(Boolean);
      return ok ? next() : next(unauthorized('Invalid admin credentials'));
    }
    const bearer = (header?.match(/^Bearer\s+(.+)$/i)?.[1] ?? req.header('apikey'))?.trim();
    if (!bearer) return next(unauthorized('Admin authentication required'));
    if (apiKeys && KEY_FORMAT.test(bearer)) {
      apiKeys.lookup(bearer).then(
        (k) => (!k ? next(unauthorized('Invalid API key')) : k.type === 'service_role' ? next() : next(new ApiError(403, 'FORBIDDEN', 'A service_role key is required'))),
        next,
      );
      return;
    }
    verifier.verify(bearer).then(
      (claims) => (verifier.roleOf(claims) === 'service_role' ? next() : next(new ApiError(403, 'FORBIDDEN', 'A service_role token is required'))),
      () => next(unauthorized('Invalid or expired token')),
    );
  };
}
