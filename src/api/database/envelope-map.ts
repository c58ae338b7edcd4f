/**
 * The one place where the data-API engine's errors (PostgREST PGRSTxxx codes and
 * PostgreSQL SQLSTATEs, see src/api/engine/errors.ts) become the Database API's
 * codes (shared/seeds/database-api.md). The envelope itself is rendered by
 * src/api/api-errors.ts; this only chooses the code, the status and the message.
 */
import { ApiError } from '../../shared/errors.ts';
import { STATEMENT_KINDS, sqlstateKind, type PgErrorKind } from '../../shared/db/sqlstate.ts';

/** Fallback codes by HTTP status, for engine errors without a more specific seed code, with a next step. */
const BY_STATUS: Record<number, { code: string; hint: string }> = {
  400: { code: 'BAD_REQUEST', hint: 'Check the request against the API documentation' },
  401: { code: 'INVALID_TOKEN', hint: 'Send a valid JWT or anon key' },
  403: { code: 'PERMISSION_DENIED', hint: 'Check the privileges of the role your token carries' },
  404: { code: 'NOT_FOUND', hint: 'Check the URL and method' },
  405: { code: 'METHOD_NOT_ALLOWED', hint: 'Use another HTTP method (e.g. POST for a function that writes)' },
  406: { code: 'NOT_ACCEPTABLE', hint: 'Check the Accept header' },
  409: { code: 'CONFLICT', hint: 'Check the rows that conflict with this request' },
  413: { code: 'PAYLOAD_TOO_LARGE', hint: 'Send a smaller request' },
  415: { code: 'UNSUPPORTED_MEDIA_TYPE', hint: 'Send Content-Type: application/json' },
  416: { code: 'RANGE_NOT_SATISFIABLE', hint: 'Check the Range header and offset' },
  503: { code: 'DATABASE_UNAVAILABLE', hint: 'Retry later' },
  504: { code: 'QUERY_TIMEOUT', hint: 'Narrow the query or retry later' },
};
const FALLBACK_5XX = { code: 'DATABASE_ERROR', hint: 'Retry later; if it persists, check the server logs' };

/** Engine codes that are a problem with the query string (filters, select, order, embedding, Prefer). */
const QUERY_CODES = new Set(['PGRST100', 'PGRST108', 'PGRST118', 'PGRST122', 'PGRST124', 'PGRST200', 'PGRST201', 'PGRST204']);
const QUERY_KINDS = new Set<PgErrorKind>(['undefined_column', 'undefined_function', 'no_conflict_target', 'syntax_error']);

/** PGRST205 carries the table it did not find: `Table 'x' does not exist` (public's tables unqualified). */
function tableNotFoundMessage(e: ApiError): string {
  const { schema, table } = e.fields as { schema?: string; table?: string };
  if (typeof table !== 'string') return e.message;
  const name = schema === 'public' ? table : `${schema}.${table}`;
  return `Table '${name}' does not exist${e.hint ? `. ${e.hint}` : ''}`;
}

function seedCode(e: ApiError): { status: number; code: string; message: string; hint?: string | null } {
  const { code, status, message } = e;
  const keep = (seed: string, st = status) => ({ status: st, code: seed, message });
  const kind = sqlstateKind(code);
  if (code === 'PGRST205') return { status: 404, code: 'TABLE_NOT_FOUND', message: tableNotFoundMessage(e) };
  if (kind === 'undefined_table') return keep('TABLE_NOT_FOUND', 404);
  if (code === 'PGRST202') return { status: 404, code: 'FUNCTION_NOT_FOUND', message: e.hint ? `${message}. ${e.hint}` : message };
  if (code === 'PGRST203') return { status: 400, code: 'INVALID_QUERY', message: e.hint ? `${message}. ${e.hint}` : message };
  if (code === 'PGRST106') return { status: 400, code: 'INVALID_SCHEMA', message: e.hint ? `${message}. ${e.hint}` : message };
  if (code === 'PGRST102') return keep('VALIDATION_ERROR', 400);
  if (kind === 'insufficient_privilege') return keep('PERMISSION_DENIED');
  if (QUERY_CODES.has(code) || QUERY_KINDS.has(kind)) return keep('INVALID_QUERY', 400);
  // Data errors and constraint violations: PostgreSQL's message, PostgREST's status.
  const dataError = DATA_KINDS.has(kind);
  if (dataError && status < 500 && status !== 401) return keep('VALIDATION_ERROR');
  if (STATEMENT_KINDS.has(kind) && status === 400) return keep('INVALID_QUERY');
  if (status === 401) return keep('INVALID_TOKEN');
  if (kind === 'read_only_transaction') return keep('METHOD_NOT_ALLOWED', 405);
  // The same code and status as raw SQL's timeout (src/api/database/rawsql.ts).
  if (kind === 'query_canceled') return keep('QUERY_TIMEOUT', 408);
  const fallback = BY_STATUS[status] ?? (status >= 500 ? FALLBACK_5XX : BY_STATUS[400]);
  return { status, code: fallback.code, message, hint: e.hint ?? fallback.hint };
}

const DATA_KINDS = new Set<PgErrorKind>([
  'unique_violation', 'foreign_key_violation', 'not_null_violation', 'check_violation', 'integrity_violation', 'invalid_data', 'bad_copy_data',
]);

/** PostgREST's PGRSTxxx and PostgreSQL's five-character SQLSTATEs (the seed's codes are words). */
const ENGINE_CODE = /^(PGRST\d{3}|[0-9A-Z]{5})$/;

/**
 * An engine error → an ApiError carrying the seed's code (headers such as
 * WWW-Authenticate and Content-Range are kept). Anything else (seed codes included) passes through untouched.
 */
export function toSeedError(e: unknown): unknown {
  if (!(e instanceof ApiError) || !ENGINE_CODE.test(e.code)) return e;
  const { status, code, message, hint } = seedCode(e);
  return new ApiError(status, code, message, { details: e.details, hint: hint ?? e.hint ?? BY_STATUS[status]?.hint, headers: e.headers });
}
