import type { ErrorRequestHandler, Request, Response } from 'express';
import { ApiError, fail } from '../../shared/errors.ts';
import { databaseUnavailable, unavailableError } from '../../shared/db/unavailable.ts';

/** How one surface writes an ApiError into its envelope. */
export type SendError = (res: Response, e: ApiError) => void;

/** body-parser and other http-errors carry their own 4xx status: keep it, with a readable message. */
function fromHttpError(err: unknown): ApiError | undefined {
  const { status, type, message } = err as { status?: number; type?: string; message?: string };
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  if (type === 'entity.parse.failed') return new ApiError(status, 'INVALID_JSON', `Invalid JSON in the request body: ${message}`);
  if (type === 'entity.too.large') return new ApiError(status, 'PAYLOAD_TOO_LARGE', 'Request body is too large');
  return new ApiError(status, 'BAD_REQUEST', message ?? 'Bad request');
}

/**
 * The error middleware of a surface: ApiErrors and client errors go to `send`; `classify` may
 * turn other errors into ApiErrors; an unavailable database is a 503 (504 for a pool wait)
 * with Retry-After; the rest are logged and answered as a plain 500 without details.
 */
export function errorHandler(send: SendError, classify?: (err: unknown, req: Request, res: Response) => ApiError | undefined): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) {
      res.destroy(err);
      return;
    }
    const known = err instanceof ApiError ? err : (fromHttpError(err) ?? classify?.(err, req, res));
    if (known) return send(res, known);
    // A database that is down or out of connections is no bug of ours: 503/504 with Retry-After.
    const unavailable = databaseUnavailable(err);
    if (unavailable) {
      req.log?.warn({ err: (err as Error)?.message, kind: unavailable.kind }, 'database unavailable');
      return send(res, unavailableError(unavailable));
    }
    req.log?.error({ err }, 'unhandled error');
    send(res, fail('INTERNAL_ERROR', 'Internal server error'));
  };
}
