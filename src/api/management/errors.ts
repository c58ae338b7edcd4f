/** The Management API's envelope: { "message": "…" }. The only place it is built. */
import type { ErrorRequestHandler, Request, Response } from 'express';
import { ApiError } from '../../shared/errors.ts';

export function sendManagementError(res: Response, e: ApiError): void {
  for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
  res.status(e.status).json({ message: e.message });
}

export const managementError = (status: number, message: string, headers?: Record<string, string>) =>
  new ApiError(status, `MANAGEMENT_${status}`, message, { headers });

export const unauthorized = () => managementError(401, 'Unauthorized');
export const notFound = (what = 'Not Found') => managementError(404, what);

/** ApiError → its status; body-parser errors keep their 4xx; anything else is logged and becomes 500. */
export const managementErrorHandler: ErrorRequestHandler = (err, req: Request, res: Response, _next) => {
  if (res.headersSent) {
    res.destroy(err);
    return;
  }
  if (err instanceof ApiError) return sendManagementError(res, err);
  const status = (err as { status?: number }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const type = (err as { type?: string }).type;
    const message = type === 'entity.parse.failed' ? 'Invalid JSON in the request body' : type === 'entity.too.large' ? 'Request body is too large' : (err as Error).message;
    return sendManagementError(res, managementError(status, message));
  }
  req.log?.error({ err }, 'unhandled Management API error');
  sendManagementError(res, managementError(500, 'Internal server error'));
};
