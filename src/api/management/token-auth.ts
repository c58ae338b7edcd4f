/**
 * Management API authentication: `Authorization: Bearer sbp_…`. A presented token that is
 * unknown, revoked or expired counts as a failed login for brute-force protection (scope
 * `management`); a banned address is refused before any token is looked up.
 */
import type { RequestHandler } from 'express';
import { verifyToken, type TokenIdentity } from '../../shared/management/tokens.ts';
import { clientIp } from '../middleware/client-ip.ts';
import { unauthorized } from './errors.ts';
import { fail } from '../../shared/errors.ts';
import type { Services } from '../services.ts';

export const MANAGEMENT_BAN_SCOPE = 'management';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** The Management API token of this request (set by token-auth). */
      token?: TokenIdentity;
    }
  }
}

export function tokenAuth(s: Services): RequestHandler {
  return async (req, res, next) => {
    const ip = clientIp(req, s.config);
    if (await s.authBans.isBanned(MANAGEMENT_BAN_SCOPE, ip)) {
      throw fail('FORBIDDEN', 'Too many failed authentication attempts from this address; try again later');
    }
    const bearer = req.header('authorization')?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    // No credentials at all is not a guess; a wrong one is.
    if (!bearer) throw unauthorized();
    const token = await verifyToken(s.pool, bearer);
    if (!token) {
      await s.authBans.recordFailure(MANAGEMENT_BAN_SCOPE, ip);
      throw unauthorized();
    }
    res.locals.token = token;
    next();
  };
}
