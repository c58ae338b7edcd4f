import { Router, type Request, type Response, type NextFunction } from 'express';
import { ApiError } from '../../shared/errors.ts';
import { verifyJwt } from '../../shared/auth/jwt.ts';
import { handleRead, resolveProfile, type RestResponse } from '../../shared/rest/read.ts';
import { restError } from '../../shared/rest/errors.ts';
import { openApiDocument, allowedMethods } from '../../shared/rest/openapi.ts';
import { negotiate } from '../../shared/rest/respond/media.ts';
import { findTable } from '../../shared/rest/plan/read-plan.ts';

const BASALT_VERSION = '0.1.0';
import type { Services } from '../services.ts';

/** The data API's envelope: { code, message, details, hint }. The only place it is built. */
export function sendRestError(res: Response, e: unknown, log?: Request['log']): void {
  let err: ApiError;
  if (e instanceof ApiError) err = e;
  else {
    log?.error({ err: e }, 'unhandled data API error');
    err = restError(500, 'PGRST000', 'Internal server error');
  }
  for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
  const details = (err as ApiError & { detailsJson?: unknown }).detailsJson ?? err.details;
  res.status(err.status).type('application/json; charset=utf-8').send(JSON.stringify({ code: err.code, details, hint: err.hint, message: err.message }));
}

function send(res: Response, out: RestResponse) {
  for (const [k, v] of Object.entries(out.headers)) res.setHeader(k, v);
  res.status(out.status);
  if (out.body === null) res.end();
  else res.end(out.body);
}

/** /rest/v1: the PostgREST-compatible data API. */
export function restRouter(s: Services): Router {
  const r = Router();
  const pool = s.restPool;
  const exposed = () => s.schemaCache.exposedSchemas;

  async function roleOf(req: Request): Promise<{ role: string; claims: Record<string, unknown> }> {
    const auth = req.header('authorization');
    const token = auth?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
    if (!token) return { role: s.config.DB_ANON_ROLE, claims: { role: s.config.DB_ANON_ROLE } };
    const claims = await verifyJwt(token, s.config.JWT_SECRET);
    return { role: typeof claims.role === 'string' ? claims.role : s.config.DB_ANON_ROLE, claims };
  }

  const read = async (req: Request, res: Response) => {
    const schema = resolveProfile(req.header('accept-profile'), exposed());
    const { role, claims } = await roleOf(req);
    const rawQuery = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
    const out = await handleRead(
      { cache: await s.schemaCache.get(), pool, maxRows: s.config.DB_MAX_ROWS },
      {
        method: req.method,
        resource: String(req.params.resource),
        query: rawQuery,
        headers: req.headers as Record<string, string | undefined>,
        schema,
        echoProfile: exposed().length > 1,
        tx: { role, claims, method: req.method, path: req.path, headers: req.headers as Record<string, string> },
      },
    );
    send(res, out);
  };

  const root = async (req: Request, res: Response) => {
    const schema = resolveProfile(req.header('accept-profile'), exposed());
    const media = negotiate(req.header('accept'), true);
    const doc = media.kind === 'openapi' || media.kind === 'json' ? openApiDocument(await s.schemaCache.get(), schema, { basePath: req.baseUrl, host: req.header('host'), version: BASALT_VERSION }) : undefined;
    res.setHeader('Content-Type', 'application/openapi+json; charset=utf-8');
    if (exposed().length > 1) res.setHeader('Content-Profile', schema);
    res.status(200).end(req.method === 'HEAD' ? undefined : JSON.stringify(doc));
  };
  r.get('/', root);
  r.head('/', root);
  r.options('/', (_req, res) => {
    res.setHeader('Allow', 'OPTIONS,GET,HEAD');
    res.status(200).end();
  });
  r.get('/:resource', read);
  r.head('/:resource', read);
  r.options('/:resource', async (req, res) => {
    const schema = resolveProfile(req.header('accept-profile'), exposed());
    const table = findTable(await s.schemaCache.get(), schema, String(req.params.resource));
    res.setHeader('Allow', allowedMethods(table));
    res.status(200).end();
  });
  r.use((req, _res, next) => next(restError(405, 'PGRST117', `Unsupported HTTP method: ${req.method}`)));
  r.use((err: unknown, req: Request, res: Response, _next: NextFunction) => sendRestError(res, err, req.log));
  return r;
}
