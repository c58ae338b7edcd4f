import { randomUUID } from 'node:crypto';
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

/** Gives each request an id (kept from X-Request-Id when sane), echoes it, and logs one line per response. */
export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.header('x-request-id');
    req.id = given && SAFE_ID.test(given) ? given : randomUUID();
    // A child logger only when something logs: building one per request is not free.
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', { get: () => (child ??= log.child({ reqId: req.id })), configurable: true });
    res.setHeader('X-Request-Id', req.id);
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      if (res.statusCode < 500 && !log.isLevelEnabled('info')) return;
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const line = { reqId: req.id, method: req.method, url: req.originalUrl, status: res.statusCode, ms: Math.round(ms * 10) / 10 };
      if (res.statusCode >= 500) log.error(line, 'request failed');
      else log.info(line, 'request');
    });
    next();
  };
}
