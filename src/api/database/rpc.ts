/**
 * /api/database/rpc/:fn — calls a database function through the data-API engine
 * (handleRpc) as the caller, with every HTTP method the seed lists: GET (and HEAD)
 * take the arguments from the query string and run read-only; POST, PUT, PATCH and
 * DELETE take them from the JSON body. The schema is the Accept-Profile (GET) or
 * Content-Profile header, else the first exposed schema.
 */
import { Router } from 'express';
import { handleRpc } from '../engine/rpc.ts';
import { requestContext } from '../rest/request-context.ts';
import type { Services } from '../services.ts';
import { rawQueryOf, seeded, send } from './records.ts';

export function rpcRoutes(s: Services): Router {
  const r = Router();
  const rc = requestContext(s);

  const call = seeded(async (req, res) => {
    const c = await rc.engine();
    const isRead = req.method === 'GET' || req.method === 'HEAD';
    const fn = String(req.params.fn);
    const rr = await rc.build(req, c.cache, {
      profileHeader: isRead ? 'accept-profile' : 'content-profile',
      resource: fn,
      query: rawQueryOf(req),
      path: `/rpc/${fn}`,
    });
    // The engine takes the JSON text as sent.
    const body: unknown = req.body;
    const raw = isRead || body === undefined ? undefined : (req.rawBody ?? Buffer.from(JSON.stringify(body)));
    const out = await handleRpc(rc.engineFor(c, rr), { ...rr, headers: { ...rr.headers, 'content-type': 'application/json' }, body: raw });
    send(res, out);
  });

  r.get('/rpc/:fn', call);
  r.post('/rpc/:fn', call);
  r.put('/rpc/:fn', call);
  r.patch('/rpc/:fn', call);
  r.delete('/rpc/:fn', call);
  return r;
}
