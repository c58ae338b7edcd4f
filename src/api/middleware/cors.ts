import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Config } from '../../shared/config.ts';
import { isAllowedOrigin, takesAdminCredentials } from './cross-site.ts';

const EXPOSE = 'Content-Encoding, Content-Location, Content-Range, Content-Type, Date, Location, Server, Transfer-Encoding, Range-Unit, Preference-Applied, X-Request-Id, X-Total-Count';
const ALLOW_HEADERS = 'Authorization, Content-Type, Accept, Accept-Profile, Content-Profile, Prefer, Range, apikey, x-client-info';

/** A data API's answer to a request with Origin that is not a preflight: readable from any origin. */
export function allowAnyOrigin(res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Expose-Headers', EXPOSE);
}

const FUNCTIONS_PATH = /(^|\/)functions\/v1(\/|$)/;

/** PostgREST's form: the headers asked for, between Authorization and the CORS-safelisted ones. */
function allowHeaders(requested: string | undefined): string {
  if (requested === undefined) return ALLOW_HEADERS;
  const asked = requested.split(',').map((h) => h.trim()).filter(Boolean);
  return ['Authorization', ...asked, 'Accept', 'Accept-Language', 'Content-Language'].join(', ');
}

/**
 * CORS. The data APIs get PostgREST's and Supabase's permissive CORS: any origin, the headers
 * the clients send. The surfaces that take admin credentials answer CORS only to their own
 * origin and ADMIN_ALLOWED_ORIGINS (echoed, with Vary: Origin); other origins get no CORS
 * headers, so a page elsewhere can neither preflight a write nor read an answer. No surface
 * ever sends Access-Control-Allow-Credentials: Basic auth and tokens travel as explicit headers.
 */
export function cors(config: Pick<Config, 'ADMIN_ALLOWED_ORIGINS' | 'TRUSTED_PROXIES'>, isPgMetaPath: (path: string) => boolean): RequestHandler {
  return (req, res, next) => {
    const origin = req.header('origin');
    if (!origin) {
      // PostgREST answers any OPTIONS with Allow-Origin *, Origin or not.
      if (req.method === 'OPTIONS' && !takesAdminCredentials(req.path, isPgMetaPath)) allowAnyOrigin(res);
      return next();
    }
    const preflight = req.method === 'OPTIONS' && !!req.header('access-control-request-method');
    if (takesAdminCredentials(req.path, isPgMetaPath)) {
      res.append('Vary', 'Origin');
      if (!isAllowedOrigin(req, origin, config)) {
        // Answered here so the preflight never reaches admin authentication; without CORS headers the browser stops.
        if (preflight) res.status(204).end();
        else next();
        return;
      }
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Expose-Headers', EXPOSE);
    } else {
      allowAnyOrigin(res);
    }
    if (preflight) {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PATCH, PUT, DELETE, OPTIONS, HEAD');
      // Edge functions get the headers asked for, as Supabase's gateway answers; the data APIs PostgREST's form.
      const requested = req.header('access-control-request-headers');
      res.setHeader('Access-Control-Allow-Headers', FUNCTIONS_PATH.test(req.path) ? (requested ?? ALLOW_HEADERS) : allowHeaders(requested));
      res.setHeader('Access-Control-Max-Age', '86400');
      res.status(200).end();
      return;
    }
    next();
  };
}
