/**
 * Each Management API project's own data API and edge functions. A request reaches project <ref> through
 *   - the path prefix /project/<ref>/rest/v1 (or /functions/v1),
 *   - Host <ref>.<PROJECT_BASE_DOMAIN> (any port) with path /rest/v1 (or /functions/v1),
 *   - Host = the project's active custom hostname with path /rest/v1 (or /functions/v1).
 * Anything else falls through to the default database's /rest/v1. Errors use the data
 * API's envelope; network restrictions and brute-force bans apply per project.
 */
import { isIP } from 'node:net';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { fail, isApiError } from '../../shared/errors.ts';
import { REF_FORMAT } from '../../shared/management/refs.ts';
import { clientIp } from '../middleware/client-ip.ts';
import { sendRestError } from '../rest/routes.ts';
import { functionsProxy } from '../functions/proxy.ts';
import { sendFunctionError } from '../../shared/functions/gateway.ts';
import type { Services } from '../services.ts';

/** The host name of a Host header: lowercased, without port or trailing dot; undefined for IP literals. */
export function hostNameOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  if (header.startsWith('[')) return undefined; // [v6]:port
  const name = header.replace(/:\d*$/, '').replace(/\.$/, '').toLowerCase();
  if (!name || isIP(name)) return undefined;
  return name;
}

/**
 * The project a Host names: its label under the base domain (checked later), or a custom
 * hostname's project; undefined for the default database. Answers without a promise unless a
 * custom hostname has to be looked up, so the default database's requests never wait on it.
 */
export function projectOfHost(s: Pick<Services, 'config' | 'customHostnames'>): (header: string | undefined) => string | undefined | Promise<string | undefined> {
  const base = s.config.PROJECT_BASE_DOMAIN.toLowerCase().replace(/\.$/, '');
  const suffix = `.${base}`;
  return (header) => {
    const host = hostNameOf(header);
    if (!host || host === base) return undefined;
    if (host.endsWith(suffix)) return host.slice(0, -suffix.length);
    return s.customHostnames.resolve(host);
  };
}

export function projectRoutes(s: Services): Router {
  const r = Router();
  const runtimes = s.projectRuntimes;
  const functions = functionsProxy(s);
  const refOfHost = projectOfHost(s);

  async function serve(ref: string, req: Request, res: Response, next: NextFunction, surface: 'rest' | 'functions' = 'rest') {
    const answerError = (e: unknown) =>
      surface === 'rest' ? sendRestError(res, e, req.log) : isApiError(e) ? sendFunctionError(res, e.status, e.code, e.message, e.headers) : sendRestError(res, e, req.log);
    try {
      if (!REF_FORMAT.test(ref)) throw fail('PROJECT_NOT_FOUND', 'Project not found');
      // Refused clients are turned away before the project's pools and schema cache are built.
      const ip = clientIp(req, s.config);
      if (!(await s.networkRestrictions.allows(ref, ip))) {
        throw fail('NETWORK_RESTRICTED', `Address ${ip} is not allowed by this project's network restrictions`);
      }
      if (await s.authBans.isBanned(ref, ip)) {
        throw fail('ADDRESS_BANNED', 'Too many failed authentication attempts from this address; try again later');
      }
      const rt = surface === 'rest' ? await runtimes.get(ref) : undefined;
      if (rt) {
        rt.active++;
        res.once('close', () => {
          rt.active--;
          rt.lastUsed = Date.now();
        });
      }
      // A refused key or token is a failed authentication against this project; it is counted
      // before the 401 leaves, so the client's next request already sees a ban it caused.
      const end = res.end.bind(res) as (...a: unknown[]) => Response;
      res.end = ((...args: unknown[]) => {
        if (res.statusCode !== 401) return end(...args);
        void s.authBans.recordFailure(ref, ip).catch((e) => req.log?.warn({ err: (e as Error).message }, 'cannot record a failed login')).finally(() => end(...args));
        return res;
      }) as Response['end'];
      if (rt) rt.router(req, res, next);
      else functions(ref, req, res);
    } catch (e) {
      answerError(e);
    }
  }

  r.use('/project/:ref/rest/v1', (req, res, next) => void serve(String(req.params.ref), req, res, next));
  r.use('/project/:ref/functions/v1', (req, res, next) => void serve(String(req.params.ref), req, res, next, 'functions'));
  for (const surface of ['rest', 'functions'] as const) {
    r.use(`/${surface}/v1`, async (req, res, next) => {
      let ref: string | undefined;
      try {
        ref = await refOfHost(req.header('host'));
      } catch (e) {
        return sendRestError(res, e, req.log);
      }
      if (ref === undefined) return next(); // the default database (functions: none, so 404)
      await serve(ref, req, res, next, surface);
    });
  }
  return r;
}
