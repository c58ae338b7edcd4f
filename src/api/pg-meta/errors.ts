import type { Response } from 'express';
import { errorHandler } from '../middleware/error-handler.ts';
import { ApiError, fail } from '../../shared/errors.ts';
import { pgFailure } from '../../shared/db/sqlstate.ts';
import { connectFailure, isConnectionLoss } from './connection-errors.ts';

/**
 * The Postgres Admin API's error envelope, as postgres-meta answers: `{ "error": message }`
 * plus any extra fields the error carries (a Postgres error's code, position, detail, hint…).
 * The only place it is built.
 */
export function sendPgMetaError(res: Response, e: ApiError): void {
  for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
  res.status(e.status).json({ ...e.fields, error: e.message });
}

/** A database error raised by a statement the API ran for the caller: 400 with Postgres's message and fields. */
export function fromDatabaseError(err: unknown): ApiError | null {
  const f = pgFailure(err);
  if (!f) return null;
  // A server going away is not the caller's bad input (the handler answers 502); other 08/53 codes come from the SQL itself.
  if (isConnectionLoss(err)) return null;
  const { kind, sqlstate, message, ...rest } = f;
  const fields: Record<string, unknown> = { code: sqlstate, ...rest };
  if (kind === 'query_canceled') return fail('QUERY_CANCELED', message || 'Query canceled', { fields });
  return fail('QUERY_FAILED', message || 'Query failed', { fields });
}

/**
 * Maps anything thrown below the pg-meta routes to the envelope. A database that went away
 * is the upstream's failure (502); other database errors here come from the catalog queries
 * themselves (statements run for the caller are mapped to 400 where they run), so they are ours.
 */
export const pgMetaErrorHandler = errorHandler(sendPgMetaError, (err, _req, res) =>
  isConnectionLoss(err) ? connectFailure(err, res.locals.dbWhich ?? 'target') : undefined,
);
