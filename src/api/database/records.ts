/**
 * /api/database/records/:table — the seed's CRUD on tables, served by the data-API
 * engine (handleRead / handleWrite) as the caller (JWT or anon key, with RLS).
 * The seed's differences from /rest/v1: a JSON-array POST body, `limit` 1–1000
 * (default 100), X-Total-Count, `?schema=` for the profile, and its error codes.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { ApiError, fail } from '../../shared/errors.ts';
import { handleRead, resolveProfile, type RestResponse } from '../engine/read.ts';
import { handleWrite } from '../engine/write.ts';
import { urlDecode } from '../engine/parse/query-params.ts';
import { requestContext } from '../rest/request-context.ts';
import type { Services } from '../services.ts';
import { toSeedError } from './envelope-map.ts';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

const invalidQuery = (message: string) => fail('INVALID_QUERY', message);
const validation = (message: string) => fail('VALIDATION_ERROR', message);

/** The raw query string (without `?`) as the client sent it. */
export function rawQueryOf(req: Request): string {
  const i = req.originalUrl.indexOf('?');
  return i < 0 ? '' : req.originalUrl.slice(i + 1);
}

/**
 * Takes `schema=` out of the query string (the last one wins) and, for reads, checks
 * `limit`/`offset` and adds the default limit. Pieces are kept as sent otherwise.
 */
export function splitRecordsQuery(raw: string, read: boolean): { query: string; schema?: string } {
  let schema: string | undefined;
  let hasLimit = false;
  const kept: string[] = [];
  for (const piece of raw.split(/[&;]/)) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const key = urlDecode(eq < 0 ? piece : piece.slice(0, eq));
    const value = eq < 0 ? undefined : urlDecode(piece.slice(eq + 1));
    if (key === 'schema') {
      schema = value ?? '';
      continue;
    }
    if (read && key === 'limit') {
      const n = value !== undefined && /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
      if (!(n >= 1 && n <= MAX_LIMIT)) throw invalidQuery(`limit must be an integer between 1 and ${MAX_LIMIT}, got '${value ?? ''}'`);
      hasLimit = true;
    }
    if (read && key === 'offset' && (value === undefined || !/^\d+$/.test(value.trim()))) {
      throw invalidQuery(`offset must be a non-negative integer, got '${value ?? ''}'`);
    }
    kept.push(piece);
  }
  if (read && !hasLimit) kept.push(`limit=${DEFAULT_LIMIT}`);
  return { query: kept.join('&'), schema };
}

/** The engine's response as it is: status, headers and body. */
export function send(res: Response, out: RestResponse) {
  for (const [k, v] of Object.entries(out.headers)) res.setHeader(k, v);
  if (out.cookies) res.setHeader('Set-Cookie', out.cookies);
  res.status(out.status);
  if (out.body === null) res.end();
  else res.end(out.body);
}

/** Runs a handler and turns the engine's errors into the seed's codes. */
export const seeded = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) =>
  fn(req, res).catch((e: unknown) => next(toSeedError(e)));

export function recordsRoutes(s: Services): Router {
  const r = Router();
  const rc = requestContext(s);

  /** The engine's request for this route: the table, the caller, the schema and the query string. */
  async function engineRequest(req: Request, read: boolean) {
    const c = await rc.engine();
    const { query, schema } = splitRecordsQuery(rawQueryOf(req), read);
    const profileHeader = read ? 'accept-profile' : 'content-profile';
    const resolved = schema === undefined ? undefined : resolveProfile(schema, s.schemaCache.exposedSchemas);
    const table = String(req.params.table);
    const rr = await rc.build(req, c.cache, { profileHeader, schema: resolved, resource: table, query, path: `/${table}` });
    return { c, rr };
  }

  const read = seeded(async (req, res) => {
    const { c, rr } = await engineRequest(req, true);
    // Always count, so X-Total-Count and Content-Range carry the total.
    const prefer = req.header('prefer');
    const injected = !/(^|,)\s*count=/.test(prefer ?? '');
    const headers = injected ? { ...rr.headers, prefer: prefer ? `${prefer}, count=exact` : 'count=exact' } : rr.headers;
    let out: RestResponse;
    try {
      out = await handleRead(rc.engineFor(c, rr), { ...rr, headers });
    } catch (e) {
      // Paging past the end is an empty page here, not 416.
      const total = e instanceof ApiError && e.code === 'PGRST103' ? /^\*\/(\d+)$/.exec(e.headers['Content-Range'] ?? '')?.[1] : undefined;
      if (total === undefined) throw e;
      out = { status: 200, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Content-Range': `*/${total}` }, body: req.method === 'HEAD' ? null : '[]' };
    }
    const total = /\/(\d+)$/.exec(out.headers['Content-Range'] ?? '')?.[1];
    if (total !== undefined) out.headers['X-Total-Count'] = total;
    if (injected) delete out.headers['Preference-Applied'];
    if (out.status === 206) out.status = 200;
    send(res, out);
  });

  const write = seeded(async (req, res) => {
    const body: unknown = req.body;
    if (req.method === 'POST') {
      if (!Array.isArray(body)) throw validation('The request body must be a JSON array of records, even for a single record');
      if (!body.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x))) throw validation('Every element of the request body must be a JSON object');
    }
    const { c, rr } = await engineRequest(req, false);
    // The engine takes the JSON text as sent (the parsed body is only checked here).
    const raw = req.rawBody ?? (body === undefined ? undefined : Buffer.from(JSON.stringify(body)));
    const headers = { ...rr.headers, 'content-type': 'application/json' };
    send(res, await handleWrite(rc.engineFor(c, rr), { ...rr, headers, body: raw }));
  });

  r.get('/records/:table', read);
  r.post('/records/:table', write);
  r.patch('/records/:table', write);
  r.delete('/records/:table', write);
  return r;
}
