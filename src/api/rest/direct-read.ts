/**
 * The data API's hot path: GET/HEAD /rest/v1/<table> on the default database, served
 * straight from node:http before Express sees the request. Express's app and router cost
 * more per request than parsing, planning and rendering the query together; for the one
 * route most traffic takes they add nothing, since everything that applies to it is done
 * here the same way, with the same code:
 *   - request id and the response log line (tagRequest, logResponse, as the requestLog middleware),
 *   - CORS (allowAnyOrigin: /rest/v1 gets the data APIs' permissive CORS; no preflight on GET),
 *   - the project a Host names (projectOfHost): a project's request goes to Express, where
 *     projectRoutes applies its network restrictions and bans,
 *   - the read itself and its answers (requestContext, handleRead, sendRestResponse, sendRestError).
 * Anything else (other methods, other paths, a path Express would read differently) goes to
 * Express untouched.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from '../services.ts';
import { logResponse, tagRequest } from '../middleware/request-log.ts';
import { allowAnyOrigin } from '../middleware/cors.ts';
import { projectOfHost } from '../projects/routes.ts';
import { requestContext } from './request-context.ts';
import { sendRestError, sendRestResponse } from './routes.ts';
import { handleRead } from '../engine/read.ts';
import { ServerTiming } from '../engine/respond/server-timing.ts';

const PREFIX = '/rest/v1/';
const SEGMENT = /^[A-Za-z0-9_\-.~%!$&()*+,;=:@]+$/;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The path after /rest/v1/ when it is one plain segment Express's `/rest/v1` mount and
 * `/:resource` route would match the same way; undefined sends the request to Express.
 */
function resourceSegment(url: string): { segment: string; end: number } | undefined {
  if (!url.startsWith(PREFIX)) return undefined;
  let end = url.indexOf('?', PREFIX.length);
  if (end === -1) end = url.length;
  if (end === PREFIX.length) return undefined;
  const segment = url.slice(PREFIX.length, end);
  // Only characters Express's URL parsing leaves alone (no '#', whitespace, backslash, quotes...),
  // one segment (no trailing slash), and not `rpc` (its own routes): else Express decides.
  if (!SEGMENT.test(segment) || segment === 'rpc') return undefined;
  return { segment, end };
}

/** node:http handler: the direct read path for what it serves, `app` for everything else. */
export function withDirectReads(s: Services, app: Handler): Handler {
  const rc = requestContext(s);
  const refOfHost = projectOfHost(s);

  async function read(req: IncomingMessage, res: ServerResponse, url: string, segment: string, end: number): Promise<void> {
    let resource: string;
    try {
      resource = decodeURIComponent(segment);
    } catch {
      return app(req, res); // Express answers a malformed parameter its own way
    }
    let ref = refOfHost(req.headers.host);
    if (ref instanceof Promise) {
      try {
        ref = await ref;
      } catch {
        return app(req, res); // projectRoutes reports the failed lookup
      }
    }
    if (ref !== undefined) return app(req, res); // a project: its restrictions and bans apply there

    const start = process.hrtime.bigint();
    tagRequest(s.log, req, res);
    // The log line: for every answer at info level; otherwise only 5xx, which only the error
    // branch below sends, so the common answer costs no listener.
    const logAll = s.log.isLevelEnabled('info');
    if (logAll) logResponse(s.log, req, res, start);
    if (req.headers.origin) allowAnyOrigin(res);
    try {
      const c = await rc.engine();
      const timing = s.config.SERVER_TIMING_ENABLED ? new ServerTiming() : undefined;
      const rr = await rc.build(req, c.cache, {
        profileHeader: 'accept-profile',
        resource,
        path: `/${segment}`,
        query: end < url.length ? url.slice(end + 1) : '',
      });
      timing?.mark('auth');
      rr.tx.timing = timing;
      sendRestResponse(res, await handleRead(rc.engineFor(c, rr), rr), timing);
    } catch (e) {
      if (res.headersSent) {
        res.destroy(e as Error);
        return;
      }
      if (!logAll) logResponse(s.log, req, res, start);
      sendRestError(res, e, (req as { log?: Services['log'] }).log);
    }
  }

  return (req, res) => {
    const url = req.url ?? '';
    if (req.method === 'GET' || req.method === 'HEAD') {
      const r = resourceSegment(url);
      if (r) {
        void read(req, res, url, r.segment, r.end);
        return;
      }
    }
    app(req, res);
  };
}
