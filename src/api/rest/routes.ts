import type { ServerResponse } from 'node:http';
import express, { Router, type Request, type Response, type NextFunction } from 'express';
import type { Logger } from '../../shared/log.ts';
import { ApiError } from '../../shared/errors.ts';
import { handleRead, resolveProfile, type RestResponse } from '../engine/read.ts';
import { requestContext } from './request-context.ts';
import { handleWrite } from '../engine/write.ts';
import { handleRpc } from '../engine/rpc.ts';
import { restError } from '../engine/errors.ts';
import { openApiDocument, allowedMethods } from '../engine/openapi.ts';
import { negotiate } from '../engine/respond/media.ts';
import { findTable } from '../engine/plan/read-plan.ts';
import type { SchemaCacheData } from '../schema-cache/model.ts';
import type { Services } from '../services.ts';
import { pgToApiError, runInRequestTx } from '../engine/execute.ts';
import { databaseUnavailable } from '../../shared/db/unavailable.ts';
import { catalog } from '../../shared/catalog/index.ts';
import { ServerTiming } from '../engine/respond/server-timing.ts';

const BASALT_VERSION = '0.1.0';

/**
 * The data API's envelope: { code, message, details, hint }. The only place it is built.
 * Plain node:http (Express's res.send would add nothing here: no ETag, no 304 for an error),
 * so the direct read path (direct-read.ts) shares it.
 */
export function sendRestError(res: ServerResponse, e: unknown, log?: Logger): void {
  let err: ApiError;
  if (e instanceof ApiError) err = e;
  else if ((e as { type?: string })?.type === 'entity.too.large') err = restError('PGRST413', 'Payload too large');
  else if (databaseUnavailable(e)) err = pgToApiError(e, false);
  else {
    log?.error({ err: e }, 'unhandled data API error');
    err = restError('PGRSTX00', 'Internal server error');
  }
  for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
  // As PostgREST: every error names its code for proxies (RFC 9209).
  res.setHeader('Proxy-Status', `PostgREST; error=${err.code}`);
  const details = (err as ApiError & { detailsJson?: unknown }).detailsJson ?? err.details;
  const statusText = (err as ApiError & { statusText?: string }).statusText;
  if (statusText) res.statusMessage = statusText;
  const body = JSON.stringify({ code: err.code, details, hint: err.hint, message: err.message });
  res.statusCode = err.status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  if (res.req?.method === 'HEAD') res.end();
  else res.end(body);
}

const DEFAULT_VARY = 'Accept, Prefer, Range';

/** The engine's answer as it is: headers, status, body (Node adds Content-Length for a body given whole). */
export function sendRestResponse(res: ServerResponse, out: RestResponse, timing?: ServerTiming): void {
  const h = out.headers;
  let vary = false;
  for (const k in h) {
    res.setHeader(k, h[k]);
    if (k.length === 4 && k.toLowerCase() === 'vary') vary = true;
  }
  if (timing) res.setHeader('Server-Timing', timing.header());
  // PostgREST's default Vary, unless the response (response.headers) chose its own; CORS may have set one already.
  if (!vary) {
    const prev = res.getHeader('Vary');
    res.setHeader('Vary', prev === undefined ? DEFAULT_VARY : ([] as string[]).concat(prev as string | string[], DEFAULT_VARY));
  }
  if (out.cookies) res.setHeader('Set-Cookie', out.cookies);
  res.statusCode = out.status;
  if (out.body === null) res.end();
  else res.end(out.body);
}

/** /rest/v1: the PostgREST-compatible data API. */
export function restRouter(s: Services): Router {
  const r = Router();
  const exposed = () => s.schemaCache.exposedSchemas;
  const rc = requestContext(s);
  const restRequest = async (req: Request, cache: SchemaCacheData, profileHeader: string) => {
    const timing = s.config.SERVER_TIMING_ENABLED ? new ServerTiming() : undefined;
    const rr = await rc.build(req, cache, { profileHeader, resource: String(req.params.resource ?? req.params.fn ?? '') });
    timing?.mark('auth');
    rr.tx.timing = timing;
    return rr;
  };
  const ctx = () => rc.engine();

  const read = async (req: Request, res: Response) => {
    const c = await ctx();
    const rr = await restRequest(req, c.cache, 'accept-profile');
    sendRestResponse(res, await handleRead(rc.engineFor(c, rr), rr), rr.tx.timing);
  };
  const write = async (req: Request, res: Response) => {
    const c = await ctx();
    const rr = await restRequest(req, c.cache, 'content-profile');
    sendRestResponse(res, await handleWrite(rc.engineFor(c, rr), { ...rr, body: Buffer.isBuffer(req.body) ? req.body : undefined }), rr.tx.timing);
  };
  const rpc = async (req: Request, res: Response) => {
    const c = await ctx();
    const profile = req.method === 'GET' || req.method === 'HEAD' ? 'accept-profile' : 'content-profile';
    const rr = await restRequest(req, c.cache, profile);
    sendRestResponse(res, await handleRpc(rc.engineFor(c, rr), { ...rr, body: Buffer.isBuffer(req.body) ? req.body : undefined }), rr.tx.timing);
  };

  const root = async (req: Request, res: Response) => {
    const media = negotiate(req.header('accept'), true);
    const c = await ctx();
    const rr = await restRequest(req, c.cache, 'accept-profile');
    const schema = rr.schema;
    let doc: unknown;
    if (media.kind === 'openapi' || media.kind === 'json') {
      // Only what the requesting role may use, asked of PostgreSQL as that role.
      const { rows } = await runInRequestTx<{ relations: string[]; functions: string[] }>(
        rc.engineFor(c, rr).pool,
        { ...rr.tx, readOnly: true, searchPath: [schema] },
        { sql: catalog.visibleObjects, params: [schema] },
      );
      const visible = { relations: new Set(rows[0].relations.map(Number)), functions: new Set(rows[0].functions.map(Number)) };
      doc = openApiDocument(c.cache, schema, { basePath: req.baseUrl, host: req.header('host'), version: BASALT_VERSION }, visible);
    }
    res.setHeader('Content-Type', 'application/openapi+json; charset=utf-8');
    if (exposed().length > 1) res.setHeader('Content-Profile', schema);
    res.status(200).end(req.method === 'HEAD' ? undefined : JSON.stringify(doc));
  };

  // Bodies stay raw: JSON goes to PostgreSQL as text, CSV and forms are parsed by the engine.
  const raw = express.raw({ type: () => true, limit: s.config.REST_MAX_BODY });

  r.get('/', root);
  r.head('/', root);
  r.options('/', (_req, res) => {
    res.setHeader('Allow', 'OPTIONS,GET,HEAD');
    res.status(200).end();
  });
  r.get('/rpc/:fn', rpc);
  r.head('/rpc/:fn', rpc);
  r.post('/rpc/:fn', raw, rpc);
  r.options('/rpc/:fn', async (req, res) => {
    // A volatile function can only be POSTed (PostgREST's Allow).
    const schema = resolveProfile(req.header('accept-profile'), exposed());
    const fns = (await s.schemaCache.get()).functions.get(`${schema}.${String(req.params.fn)}`) ?? [];
    const postOnly = fns.length > 0 && fns.every((f) => f.volatility === 'v');
    res.setHeader('Allow', postOnly ? 'OPTIONS,POST' : 'OPTIONS,GET,HEAD,POST');
    res.status(200).end();
  });
  r.all('/rpc/:fn', (req, _res, next) => next(restError('PGRST101', `Cannot use the ${req.method} method on RPC`)));
  r.get('/:resource', read);
  r.head('/:resource', read);
  r.post('/:resource', raw, write);
  r.patch('/:resource', raw, write);
  r.put('/:resource', raw, write);
  r.delete('/:resource', raw, write);
  r.options('/:resource', async (req, res) => {
    const schema = resolveProfile(req.header('accept-profile'), exposed());
    const table = findTable(await s.schemaCache.get(), schema, String(req.params.resource));
    res.setHeader('Allow', allowedMethods(table));
    res.status(200).end();
  });
  r.use((req, _res, next) =>
    // A path deeper than /<resource> or /rpc/<fn> names nothing (PostgREST's 404 PGRST125).
    next(/^\/[^/]+\/[^/]+/.test(req.path) && !/^\/rpc\/[^/]+\/?$/.test(req.path)
      ? restError('PGRST125', 'Invalid path specified in request URL')
      : restError('PGRST117', `Unsupported HTTP method: ${req.method}`)),
  );
  r.use((err: unknown, req: Request, res: Response, _next: NextFunction) => sendRestError(res, err, req.log));
  return r;
}
