/** The Management API's envelope: { "message": "…" }. The only place it is built. */
import type { Response } from 'express';
import { errorHandler } from '../middleware/error-handler.ts';
import { ApiError, fail } from '../../shared/errors.ts';

export function sendManagementError(res: Response, e: ApiError): void {
  for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
  res.status(e.status).json({ message: e.message });
}

export const unauthorized = () => fail('UNAUTHORIZED', 'Unauthorized');
export const notFound = (what = 'Not Found') => fail('NOT_FOUND', what);

/** ApiError → its status; body-parser errors keep their 4xx; anything else is logged and becomes 500. */
export const managementErrorHandler = errorHandler(sendManagementError);
