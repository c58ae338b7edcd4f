/**
 * The one error type every layer throws, and the catalogue of error kinds of the /api,
 * /v1 and Postgres Admin surfaces: each code is declared once with its HTTP status and
 * its next step. Throw sites name a code (`fail('TABLE_NOT_FOUND', …)`), never a status;
 * each surface renders an ApiError into its envelope in exactly one place. The data API's
 * PostgREST codes (PGRSTxxx, SQLSTATEs) have their own catalogue in src/api/engine/errors.ts.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: string | null;
  readonly hint: string | null;
  /** Extra headers the response must carry (e.g. WWW-Authenticate). */
  readonly headers: Record<string, string>;
  /** Extra body fields a surface's envelope may include (e.g. a Postgres error's position). */
  readonly fields: Record<string, unknown>;

  constructor(status: number, code: string, message: string, opts: ErrorOptions = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = opts.details ?? null;
    this.hint = opts.hint ?? null;
    this.headers = opts.headers ?? {};
    this.fields = opts.fields ?? {};
  }
}

export interface ErrorOptions {
  details?: string | null;
  hint?: string | null;
  headers?: Record<string, string>;
  fields?: Record<string, unknown>;
}

export const isApiError = (e: unknown): e is ApiError => e instanceof ApiError;

interface Kind {
  status: number;
  /** What the caller can do about it (the /api envelope's nextActions). */
  next?: string;
}

export const ERRORS = {
  // 400: the request itself
  BAD_REQUEST: { status: 400 },
  VALIDATION_ERROR: { status: 400, next: 'Check the request body against the API documentation' },
  INVALID_JSON: { status: 400 },
  INVALID_QUERY: { status: 400, next: 'Check PostgREST filter documentation' },
  INVALID_SCHEMA: { status: 400, next: 'Use an existing, non-system schema that this endpoint serves' },
  INVALID_ID: { status: 400 },
  INVALID_PARAMETER: { status: 400 },
  INVALID_INPUT: { status: 400, next: 'Fix the values according to the PostgreSQL error message' },
  INVALID_TYPE: { status: 400, next: 'Use a PostgreSQL type name (e.g. text, integer, varchar, numeric, timestamptz, uuid, jsonb, int[])' },
  INVALID_SQL_FRAGMENT: { status: 400 },
  INVALID_CONNECTION_HEADER: { status: 400 },
  ENCRYPTED_CONNECTIONS_DISABLED: { status: 400 },
  INVALID_LICENSE: { status: 400, next: 'Check that the key was copied whole; keys are issued by the vendor (npm run license -- issue) and verified with LICENSE_PUBLIC_KEY' },
  LICENSE_EXPIRED: { status: 400, next: 'Renew the licence and activate the new key' },
  LICENSE_EMAIL_MISMATCH: { status: 400, next: 'Send the email address the licence was issued for' },
  TRIAL_ALREADY_STARTED: { status: 400, next: 'There is one trial per installation; GET /api/trial/status shows it, POST /api/license/activate activates a licence' },
  TABLE_EXISTS: { status: 400, next: 'Choose another table name, or delete the existing table first (DELETE /api/table/:tableName)' },
  COLUMN_EXISTS: { status: 400, next: 'Choose another column name; GET /api/schema lists the existing columns' },
  COLUMN_NOT_FOUND: { status: 400, next: 'Check the column names; GET /api/schema lists the columns of each table' },
  TABLE_HAS_DEPENDENTS: { status: 400, next: 'Delete the dependent objects first, or delete the table with ?cascade=true' },
  NO_PRIMARY_KEY: { status: 400, next: 'Add a primary key to the table, or change rows with POST /api/query' },
  SQL_SYNTAX_ERROR: { status: 400, next: 'Fix the SQL syntax at the position given' },
  SQL_NOT_ALLOWED: { status: 400, next: 'Remove what the named rule refuses, or use the relaxed endpoint or a migration where appropriate' },
  TRANSACTION_CONTROL_NOT_ALLOWED: { status: 400, next: 'Remove BEGIN/COMMIT/ROLLBACK/SAVEPOINT; the SQL already runs in its own transaction' },
  QUERY_FAILED: { status: 400, next: 'Fix the query according to the PostgreSQL error message' },
  QUERY_CANCELED: { status: 400 },
  MIGRATION_FAILED: { status: 400, next: 'Fix the failing statement and send the migration again; nothing of it was applied' },
  IMPORT_FAILED: { status: 400, next: 'Fix the SQL file and import it again; nothing was imported (the import runs in one transaction)' },
  // 401/402/403: who is asking
  UNAUTHORIZED: { status: 401, next: 'Send admin credentials: Basic auth with ADMIN_USER/ADMIN_PASSWORD, or a service_role JWT' },
  INVALID_TOKEN: { status: 401, next: 'Send a valid JWT or anon key as Authorization: Bearer <token> (or apikey)' },
  LICENSE_REQUIRED: { status: 402, next: 'Activate a licence with POST /api/license/activate or start a trial with POST /api/trial/start; GET /api/license/status shows the current state' },
  FORBIDDEN: { status: 403, next: "Send admin credentials: Basic auth with ADMIN_USER/ADMIN_PASSWORD, a service_role JWT, or the operator's service_role API key; a project schema's keys open only its data API" },
  PERMISSION_DENIED: { status: 403, next: 'Check the GRANTs and row-level security policies for the role your token carries' },
  IP_BANNED: { status: 403, next: 'Wait for the ban to expire (AUTH_BAN_DURATION_SECONDS), or have an admin lift it with DELETE /api/bans from another address' },
  ADDRESS_BANNED: { status: 403 },
  NETWORK_RESTRICTED: { status: 403 },
  CROSS_SITE_REQUEST: { status: 403, next: "Send the request from the server's own origin or one listed in ADMIN_ALLOWED_ORIGINS, or from a client that is not a browser" },
  // 404: what is asked for
  NOT_FOUND: { status: 404, next: 'Check the URL and method' },
  TABLE_NOT_FOUND: { status: 404, next: 'Check table name and try again' },
  SCHEMA_NOT_FOUND: { status: 404, next: 'Check the schema name; without ?schema= the listing is of public' },
  ROW_NOT_FOUND: { status: 404, next: 'Check the row id: it is the value of the primary key (a JSON array for a composite key)' },
  KEY_NOT_FOUND: { status: 404, next: 'List the keys with GET /api/project/:schema/keys' },
  TOKEN_NOT_FOUND: { status: 404, next: 'List the access tokens with GET /api/tokens' },
  PROJECT_NOT_FOUND: { status: 404 },
  JOB_NOT_FOUND: { status: 404, next: 'Check the job id; results expire after JOB_RESULT_TTL_SECONDS' },
  FUNCTION_NOT_FOUND: { status: 404, next: 'Check the function name, its schema and the argument names; GET /api/database/functions lists them' },
  NO_DATA: { status: 404, next: 'The table has no rows to export' },
  // 405–429: the state of things
  METHOD_NOT_ALLOWED: { status: 405 },
  NOT_ACCEPTABLE: { status: 406 },
  QUERY_TIMEOUT: { status: 408, next: 'Make the query faster (indexes, LIMIT) or raise DB_STATEMENT_TIMEOUT_MS' },
  CONFLICT: { status: 409 },
  JOB_NOT_FINISHED: { status: 409, next: 'Poll GET /api/jobs/:id; a result exists only once state is completed' },
  JOB_FINISHED: { status: 409 },
  JOB_CANCELLED: { status: 409 },
  MIGRATION_VERSION_CONFLICT: { status: 409, next: 'Use a version greater than the latest one in GET /api/database/migrations' },
  PAYLOAD_TOO_LARGE: { status: 413 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415 },
  RANGE_NOT_SATISFIABLE: { status: 416 },
  RATE_LIMITED: { status: 429 },
  // 5xx: ours or a dependency's
  INTERNAL_ERROR: { status: 500 },
  JOB_FAILED: { status: 500 },
  DATABASE_ERROR: { status: 500 },
  DATABASE_UNREACHABLE: { status: 502 },
  DATABASE_UNAVAILABLE: { status: 503 },
  REDIS_UNAVAILABLE: { status: 503 },
  MASTER_KEY_MISSING: { status: 503 },
  PROJECT_NOT_READY: { status: 503 },
  SHUTTING_DOWN: { status: 503 },
  DATABASE_TIMEOUT: { status: 504 },
  // Edge functions (/functions/v1), as Supabase's runtime answers
  UNAUTHORIZED_NO_AUTH_HEADER: { status: 401 },
  UNAUTHORIZED_INVALID_JWT_FORMAT: { status: 401 },
  UNAUTHORIZED_INVALID_JWT: { status: 401 },
  CLIENT_CLOSED: { status: 499 },
  BAD_GATEWAY: { status: 502 },
  BOOT_ERROR: { status: 503 },
  FUNCTIONS_BUSY: { status: 503 },
  GATEWAY_TIMEOUT: { status: 504 },
  /** A function stopped at its wall-clock or memory limit: Supabase's 546. */
  WORKER_LIMIT: { status: 546 },
} as const satisfies Record<string, Kind>;

export type ErrorCode = keyof typeof ERRORS;

/** An ApiError of a catalogued kind: the status comes from the catalogue. */
export function fail(code: ErrorCode, message: string, opts?: ErrorOptions): ApiError {
  return new ApiError(ERRORS[code].status, code, message, opts);
}

/** The next step the catalogue gives for a code, if any. */
export const nextStep = (code: string): string | undefined => (ERRORS as Record<string, Kind>)[code]?.next;
