import express, { Router, type Request } from 'express';
import type { Services } from '../services.ts';
import { FunctionStore, parseFunctionRequest } from '../../shared/management/functions.ts';
import { refOf } from './project-ref.ts';

/** Largest function source accepted (Supabase caps bundles at 20 MB). */
const MAX_SOURCE = '20mb';

const queryOf = (req: Request) => new URL(req.originalUrl, 'http://basalt.invalid').searchParams;

/**
 * /v1/projects/:ref/functions: the edge-function registry. Create and update take the source as
 * the body (any non-JSON type: text/plain, application/typescript, application/octet-stream, …)
 * or JSON {slug, name, body, verify_jwt, …}; the /v1 router has already parsed JSON.
 */
export function functionRoutes(s: Services): Router {
  const store = new FunctionStore(s.pool);
  const r = Router({ mergeParams: true });
  // Everything that is not JSON is the source itself, kept as bytes.
  const source = express.raw({ type: (req) => !/\bjson\b/i.test(String(req.headers['content-type'] ?? 'json')), limit: MAX_SOURCE });
  const bodyOf = (req: Request): unknown => req.body;

  r.get('/functions', async (_req, res) => {
    res.json(await store.list(refOf(res)));
  });
  r.post('/functions', source, async (req, res) => {
    const f = parseFunctionRequest(queryOf(req), bodyOf(req), req.header('content-type'));
    res.status(201).json(await store.create(refOf(res), f));
  });
  r.get('/functions/:slug', async (req, res) => {
    res.json(await store.get(refOf(res), req.params.slug as string));
  });
  r.patch('/functions/:slug', source, async (req, res) => {
    const f = parseFunctionRequest(queryOf(req), bodyOf(req), req.header('content-type'));
    res.json(await store.update(refOf(res), req.params.slug as string, f));
  });
  r.delete('/functions/:slug', async (req, res) => {
    await store.remove(refOf(res), req.params.slug as string);
    res.status(200).json({});
  });
  r.get('/functions/:slug/body', async (req, res) => {
    const b = await store.body(refOf(res), req.params.slug as string);
    res.setHeader('Content-Type', b.contentType);
    res.setHeader('ETag', `"${b.sha256}"`);
    res.send(b.bytes);
  });
  return r;
}
