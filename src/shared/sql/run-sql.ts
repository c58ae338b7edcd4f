import type pg from 'pg';
import { ApiError, fail } from '../errors.ts';
import { USER_SEARCH_PATH, withTransaction } from '../db/pool.ts';
import { quoteIdent } from './ident.ts';
import { retryAfter } from '../db/unavailable.ts';
import { pgErrorKind } from '../db/sqlstate.ts';

export interface SqlRun {
  /** The caller's SQL: one statement with params, or several without. */
  sql: string;
  params?: unknown[];
  /** SET LOCAL statement_timeout for this transaction. */
  timeoutMs: number;
  /** When given, SET LOCAL search_path to exactly this schema (passed as a bind parameter). */
  searchPath?: string;
  /** When given, SET LOCAL ROLE to it first (a role the pool's login may become). */
  role?: string;
}

export interface SqlRunResult {
  /** The last statement's result. */
  result: pg.QueryResult;
  /** Milliseconds the caller's SQL took (not the BEGIN/SET/COMMIT around it). */
  durationMs: number;
}

/**
 * Runs caller-written SQL in its own transaction with SET LOCAL statement_timeout (and,
 * optionally, search_path). Several statements (without params) run in that one transaction;
 * the answer is the last one's result. PostgreSQL errors become 4xx through `queryError`.
 * The connection is discarded afterwards, so no session state (SET, temp tables, prepared
 * statements, locks) outlives the request. No connection (server down, login refused, pool
 * exhausted) is a 503 the caller may retry. Shared by the Database API's raw SQL and the
 * Admin API's POST /api/query.
 */
export async function runSqlTransaction(pool: pg.Pool, run: SqlRun): Promise<SqlRunResult> {
  const connect = () =>
    pool.connect().catch((e: unknown) => {
      throw connectFailed(e);
    });
  let started = 0;
  try {
    const out = await withTransaction(
      connect,
      (client) => {
        started = performance.now();
        return run.params?.length ? client.query(run.sql, run.params) : client.query(run.sql);
      },
      {
        setup: async (client) => {
          await client.query(`SET LOCAL statement_timeout = ${Number(run.timeoutMs)}`);
          if (run.role !== undefined) await client.query(`SET LOCAL ROLE ${quoteIdent(run.role)}`);
          // Server sessions start with a pinned search_path; the caller's SQL gets PostgreSQL's default or the schema asked for.
          if (run.searchPath !== undefined) await client.query(`SELECT pg_catalog.set_config('search_path', pg_catalog.quote_ident($1), true)`, [run.searchPath]);
          else await client.query(`SELECT pg_catalog.set_config('search_path', $1, true)`, [USER_SEARCH_PATH]);
        },
        // No session state (SET, temp tables, prepared statements, locks) outlives the request.
        discard: true,
      },
    );
    // The duration includes COMMIT, where deferred constraints are checked.
    const durationMs = Math.round(performance.now() - started);
    return { result: Array.isArray(out) ? out.at(-1)! : out, durationMs };
  } catch (e) {
    throw queryError(e, run.timeoutMs);
  }
}

/**
 * PostgreSQL errors are the caller's: 400 QUERY_FAILED with PostgreSQL's message (its
 * SQLSTATE, detail and position in the text and as the `code`/`position` fields), 408
 * QUERY_TIMEOUT when the statement timeout cancelled it. Anything else passes through.
 */
export function queryError(e: unknown, timeoutMs: number): unknown {
  if (e instanceof ApiError) return e;
  const err = e as Error & { code?: string; detail?: string; hint?: string; position?: string };
  if (typeof err.code !== 'string' || !/^[0-9A-Z]{5}$/.test(err.code)) return e;
  if (pgErrorKind(e) === 'query_canceled') {
    return fail('QUERY_TIMEOUT', `The query was cancelled after the statement timeout of ${timeoutMs} ms (DB_STATEMENT_TIMEOUT_MS): ${err.message}`, {
      fields: { code: err.code },
    });
  }
  const extra = [err.detail, err.position && `at character ${err.position}`].filter(Boolean).join('; ');
  return fail('QUERY_FAILED', `${err.message} (SQLSTATE ${err.code})${extra ? `: ${extra}` : ''}`, {
    hint: err.hint ?? null,
    fields: { code: err.code, position: err.position ? Number(err.position) : null },
  });
}

/**
 * pool.connect() failed: the database is down, the login was refused, or no connection came
 * free within DB_CONNECT_TIMEOUT_MS. 503 DATABASE_UNAVAILABLE with Retry-After; the message
 * names the SQLSTATE or socket error, never the connection string.
 */
function connectFailed(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  const reason = connectFailureReason(e);
  return fail('DATABASE_UNAVAILABLE', `Cannot connect to the database to run this query (${reason})`, {
    hint: 'Retry after the number of seconds in Retry-After; if it persists, check that PostgreSQL is up and the server log',
    headers: retryAfter,
    fields: { reason },
  });
}

function connectFailureReason(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  if (typeof code === 'string') return /^[0-9A-Z]{5}$/.test(code) ? `SQLSTATE ${code}` : code;
  return /timeout/i.test((e as Error)?.message ?? '') ? 'timed out' : 'connection failed';
}
