import type { RequestHandler } from 'express';
import type { Services } from '../services.ts';

/**
 * Chooses the database a pg-meta request talks to and puts it in `res.locals.db`
 * (a pg Pool: the server's own by default, or a bounded per-target pool when the request
 * carries X-Connection-Encrypted). STUB (pg-meta query helper): always the server's pool.
 */
export function pgMetaConnection(s: Services): RequestHandler {
  return (_req, res, next) => {
    res.locals.db = s.pool;
    next();
  };
}
