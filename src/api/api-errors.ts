import type { ErrorRequestHandler, Response } from 'express';
import { ApiError } from '../shared/errors.ts';

const NEXT_ACTIONS: Record<string, string> = {
  TABLE_NOT_FOUND: 'Check table name and try again',
  INVALID_QUERY: 'Check PostgREST filter documentation',
  VALIDATION_ERROR: 'Check the request body against the API documentation',
  UNAUTHORIZED: 'Send admin credentials: Basic auth with ADMIN_USER/ADMIN_PASSWORD, or a service_role JWT',
  JOB_NOT_FOUND: 'Check the job id; results expire after JOB_RESULT_TTL_SECONDS',
  JOB_NOT_FINISHED: 'Poll GET /api/jobs/:id; a result exists only once state is completed',
  NOT_FOUND: 'Check the URL and method',
  KEY_NOT_FOUND: 'List the keys with GET /api/project/:schema/keys',
  MIGRATION_FAILED: 'Fix the failing statement and send the migration again; nothing of it was applied',
  MIGRATION_VERSION_CONFLICT: 'Use a version greater than the latest one in GET /api/database/migrations',
  TRANSACTION_CONTROL_NOT_ALLOWED: 'Remove BEGIN/COMMIT/ROLLBACK/SAVEPOINT; the SQL already runs in its own transaction',
  SQL_SYNTAX_ERROR: 'Fix the SQL syntax at the position given',
  SQL_NOT_ALLOWED: 'Remove what the named rule refuses, or use the relaxed endpoint or a migration where appropriate',
  QUERY_FAILED: 'Fix the query according to the PostgreSQL error message',
  QUERY_TIMEOUT: 'Make the query faster (indexes, LIMIT) or raise DB_STATEMENT_TIMEOUT_MS',
  IMPORT_FAILED: 'Fix the SQL file and import it again; nothing was imported (the import runs in one transaction)',
  FUNCTION_NOT_FOUND: 'Check the function name, its schema and the argument names; GET /api/database/functions lists them',
  INVALID_SCHEMA: 'Use an existing, non-system schema that this endpoint serves',
  PERMISSION_DENIED: 'Check the GRANTs and row-level security policies for the role your token carries',
  INVALID_TOKEN: 'Send a valid JWT or anon key as Authorization: Bearer <token> (or apikey)',
  SCHEMA_NOT_FOUND: 'Check the schema name; without ?schema= the listing is of public',
};

/** The /api/* envelope: { error, message, statusCode, nextActions }. The only place it is built. */
export function sendApiError(res: Response, e: ApiError): void {
  for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
  res.status(e.status).json({
    error: e.code,
    message: e.message,
    statusCode: e.status,
    nextActions: NEXT_ACTIONS[e.code] ?? e.hint ?? undefined,
  });
}

/** Maps anything thrown below /api to the envelope; unknown errors are logged and become a plain 500. */
export const apiErrorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  if (res.headersSent) {
    res.destroy(err);
    return;
  }
  if (err instanceof ApiError) return sendApiError(res, err);
  // body-parser and other http-errors carry their own 4xx status
  const status = (err as { status?: number }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = (err as { type?: string }).type === 'entity.parse.failed' ? 'INVALID_JSON' : 'BAD_REQUEST';
    return sendApiError(res, new ApiError(status, code, (err as Error).message));
  }
  req.log?.error({ err }, 'unhandled error');
  sendApiError(res, new ApiError(500, 'INTERNAL_ERROR', 'Internal server error'));
};
