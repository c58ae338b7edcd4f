import { randomUUID } from 'node:crypto';
import { IncomingMessage, type ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from '../../shared/log.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      id: string;
      log: Logger;
      /** The JSON body as received, kept by the /api body parser. */
      rawBody?: Buffer;
    }
  }
}

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const PARENT = Symbol('request log parent');
const CHILD = Symbol('request log child');

type Tagged = IncomingMessage & { id: string; [PARENT]?: Logger; [CHILD]?: Logger };

// `req.log`: a child logger only when something logs (building one per request is not free).
// Defined once on the prototype (Express's request inherits it) rather than per request:
// defineProperty on each request object costs time and slows every later property access.
Object.defineProperty(IncomingMessage.prototype, 'log', {
  configurable: true,
  get(this: Tagged) {
    const parent = this[PARENT];
    if (!parent) return undefined;
    return (this[CHILD] ??= parent.child({ reqId: this.id }));
  },
});

/**
 * Gives a request its id (kept from X-Request-Id when sane) and echoes it. Used by the
 * middleware below and by the data API's direct read path (src/api/rest/direct-read.ts),
 * which runs before Express.
 */
export function tagRequest(log: Logger, req: IncomingMessage, res: ServerResponse): void {
  const given = req.headers['x-request-id'];
  const r = req as Tagged;
  r.id = typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
  r[PARENT] = log;
  res.setHeader('X-Request-Id', r.id);
}

/**
 * Logs one line when the response is sent: every response at info level, else only 5xx.
 * `start` is process.hrtime.bigint() when the request arrived.
 */
export function logResponse(log: Logger, req: IncomingMessage, res: ServerResponse, start: bigint): void {
  res.on('finish', () => {
    if (res.statusCode < 500 && !log.isLevelEnabled('info')) return;
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const line = { reqId: (req as Tagged).id, method: req.method, url: (req as { originalUrl?: string }).originalUrl ?? req.url, status: res.statusCode, ms: Math.round(ms * 10) / 10 };
    if (res.statusCode >= 500) log.error(line, 'request failed');
    else log.info(line, 'request');
  });
}

/** Express middleware: an id for each request, and its log line. */
export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    tagRequest(log, req, res);
    logResponse(log, req, res, process.hrtime.bigint());
    next();
  };
}
