import type { Response } from 'express';
import { errorHandler } from './middleware/error-handler.ts';
import { ApiError } from '../shared/errors.ts';

const NEXT_ACTIONS: Record<string, string> = {
  // Licences (issue 6)
  LICENSE_REQUIRED: 'Activate a licence with POST /api/license/activate or start a trial with POST /api/trial/start; GET /api/license/status shows the current state',
  INVALID_LICENSE: 'Check that the key was copied whole; keys are issued by the vendor (npm run license -- issue) and verified with LICENSE_PUBLIC_KEY',
  LICENSE_EXPIRED: 'Renew the licence and activate the new key',
  LICENSE_EMAIL_MISMATCH: 'Send the email address the licence was issued for',
  TRIAL_ALREADY_STARTED: 'There is one trial per installation; GET /api/trial/status shows it, POST /api/license/activate activates a licence',
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
  TOKEN_NOT_FOUND: 'List the access tokens with GET /api/tokens',
  IP_BANNED: 'Wait for the ban to expire (AUTH_BAN_DURATION_SECONDS), or have an admin lift it with DELETE /api/bans from another address',
  FORBIDDEN: "Send admin credentials: Basic auth with ADMIN_USER/ADMIN_PASSWORD, a service_role JWT, or the operator's service_role API key; a project schema's keys open only its data API",
  CROSS_SITE_REQUEST: 'Send the request from the server\'s own origin or one listed in ADMIN_ALLOWED_ORIGINS, or from a client that is not a browser',
  SCHEMA_NOT_FOUND: 'Check the schema name; without ?schema= the listing is of public',
  TABLE_EXISTS: 'Choose another table name, or delete the existing table first (DELETE /api/table/:tableName)',
  COLUMN_EXISTS: 'Choose another column name; GET /api/schema lists the existing columns',
  COLUMN_NOT_FOUND: 'Check the column names; GET /api/schema lists the columns of each table',
  INVALID_TYPE: 'Use a PostgreSQL type name (e.g. text, integer, varchar, numeric, timestamptz, uuid, jsonb, int[])',
  TABLE_HAS_DEPENDENTS: 'Delete the dependent objects first, or delete the table with ?cascade=true',
  ROW_NOT_FOUND: 'Check the row id: it is the value of the primary key (a JSON array for a composite key)',
  NO_PRIMARY_KEY: 'Add a primary key to the table, or change rows with POST /api/query',
  NO_DATA: 'The table has no rows to export',
  INVALID_INPUT: 'Fix the values according to the PostgreSQL error message',
};

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
    nextActions: (typeof e.fields.nextActions === 'string' ? e.fields.nextActions : undefined) ?? NEXT_ACTIONS[e.code] ?? e.hint ?? undefined,
  });
}

/** Maps anything thrown below /api to the envelope; unknown errors are logged and become a plain 500. */
export const apiErrorHandler = errorHandler(sendApiError);
