/**
 * Cross-site request refusal for the surfaces that take admin credentials (/api, /v1 and the
 * root Postgres Admin routes). Browsers cache Basic auth and replay it on any request to the
 * server, including a form a page elsewhere submits (multipart uploads need no preflight),
 * so a state-changing request that a browser marks as coming from another site is refused
 * before its body is read. Requests without Origin (curl, server-to-server) are not a
 * browser acting for someone else and pass.
 *
 * The data routes (/rest/v1, project data APIs, /api/database/records and /rpc) are not
 * guarded: they take only Bearer tokens and API keys, which a browser never attaches by
 * itself, and browser apps on other origins are their users (PostgREST's permissive CORS).
 */
import type { Request, RequestHandler } from 'express';
import type { Config } from '../../shared/config.ts';
import { fail } from '../../shared/errors.ts';
import { inAnyCidr, normaliseIp, parseCidrList, type Cidr } from '../../shared/security/cidr.ts';

type OriginConfig = Pick<Config, 'ADMIN_ALLOWED_ORIGINS' | 'TRUSTED_PROXIES'>;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The Database API's data routes under /api: Bearer tokens only, like /rest/v1. */
const API_DATA_ROUTE = /^\/api\/database\/(records|rpc)(\/|$)/;

/** `scheme://host[:port]` as browsers send it in Origin (default port dropped, lowercased); undefined for `null` or garbage. */
export function normaliseOrigin(text: string): string | undefined {
  try {
    const u = new URL(text.trim());
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return u.origin;
  } catch {
    return undefined;
  }
}

/** The allowed origins and trusted proxies, parsed per call (short lists; only state-changing requests are checked). */
function parsedOf(config: OriginConfig) {
  return {
    allowed: new Set(config.ADMIN_ALLOWED_ORIGINS.map(normaliseOrigin).filter((o): o is string => !!o)),
    proxies: parseCidrList(config.TRUSTED_PROXIES).valid,
  };
}

/** The origin this request was addressed to; behind a trusted proxy its X-Forwarded-Proto gives the scheme. */
function ownOrigin(req: Request, config: OriginConfig): string | undefined {
  const host = req.headers.host;
  if (!host) return undefined;
  let scheme = req.protocol;
  const peer = normaliseIp(req.socket.remoteAddress ?? '');
  const forwarded = req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  if (forwarded && inAnyCidr(peer, parsedOf(config).proxies)) scheme = forwarded;
  return normaliseOrigin(`${scheme}://${host}`);
}

/** Same-origin, or listed in ADMIN_ALLOWED_ORIGINS. */
export function isAllowedOrigin(req: Request, origin: string, config: OriginConfig): boolean {
  const o = normaliseOrigin(origin);
  if (!o) return false;
  return o === ownOrigin(req, config) || parsedOf(config).allowed.has(o);
}

/** Paths (as the app sees them, from the root) whose surface takes admin credentials. */
export function takesAdminCredentials(path: string, isPgMetaPath: (path: string) => boolean): boolean {
  if (path === '/v1' || path.startsWith('/v1/')) return true;
  if (path === '/api' || path.startsWith('/api/')) return !API_DATA_ROUTE.test(path);
  return isPgMetaPath(path);
}

/** Whether a request's Origin/Sec-Fetch-Site mark it as coming from a site this server does not trust. */
function crossSiteReason(req: Request, config: OriginConfig): string | undefined {
  const origin = req.header('origin');
  if (origin !== undefined) {
    if (isAllowedOrigin(req, origin, config)) return undefined;
    return `Origin ${JSON.stringify(origin.slice(0, 200))} is not allowed to change anything here (ADMIN_ALLOWED_ORIGINS)`;
  }
  if (req.header('sec-fetch-site')?.trim().toLowerCase() === 'cross-site') return 'Cross-site requests may not change anything here';
  return undefined;
}

/**
 * 403 CROSS_SITE_REQUEST for state-changing cross-site requests. Mount it first on a surface,
 * before its body parsers, so that the surface's own error handler renders the refusal.
 */
export function refuseCrossSite(config: OriginConfig, opts: { exempt?: (req: Request) => boolean } = {}): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method) || opts.exempt?.(req)) return next();
    const reason = crossSiteReason(req, config);
    next(reason ? fail('CROSS_SITE_REQUEST', reason) : undefined);
  };
}

/** For /api: its data routes are exempt (see the top of this file). */
export const isApiDataRoute = (req: Request) => API_DATA_ROUTE.test(req.originalUrl.split('?')[0] ?? '');
