import type { Response } from 'express';
import { errorHandler } from './middleware/error-handler.ts';
import { ApiError, nextStep } from '../shared/errors.ts';

/** The /api/* envelope: { error, message, statusCode, nextActions }. The only place it is built. */
export function sendApiError(res: Response, e: ApiError): void {
  for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
  res.status(e.status).json({
    // Surface-specific extras first (e.g. a PostgreSQL error's code and position); the envelope's own keys win.
    ...e.fields,
    error: e.code,
    message: e.message,
    statusCode: e.status,
    // An error may name its own next step (fields.nextActions) where the code's usual one does not fit.
    nextActions: (typeof e.fields.nextActions === 'string' ? e.fields.nextActions : undefined) ?? nextStep(e.code) ?? e.hint ?? undefined,
  });
}

/** Maps anything thrown below /api to the envelope; unknown errors are logged and become a plain 500. */
export const apiErrorHandler = errorHandler(sendApiError);
