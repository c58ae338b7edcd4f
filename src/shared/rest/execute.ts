/**
 * Runs one data-API statement inside a transaction with the request's role and
 * claims, in a single round trip: BEGIN, set_config(...), the statement and COMMIT
 * are written together on a pipelined connection.
 */
import pg from 'pg';
import { ApiError } from '../errors.ts';
import type { Pool } from '../db/pool.ts';
import { httpStatusForSqlState } from './errors.ts';

export interface TxContext {
  role: string;
  claims: Record<string, unknown>;
  searchPath: string[];
  method: string;
  path: string;
  headers: Record<string, string>;
  readOnly: boolean;
  /** PostgREST's `Prefer: tx=rollback`. */
  rollback?: boolean;
}

const SETUP =
  `SELECT set_config('search_path', $1, true), set_config('role', $2, true), set_config('request.jwt.claims', $3, true),` +
  ` set_config('request.method', $4, true), set_config('request.path', $5, true), set_config('request.headers', $6, true)`;

export async function runInRequestTx<R extends pg.QueryResultRow>(
  pool: Pool,
  ctx: TxContext,
  statement: { sql: string; params: unknown[] },
): Promise<pg.QueryResult<R>> {
  const [result] = await runStatementsInRequestTx(pool, ctx, [statement]);
  return result as pg.QueryResult<R>;
}

/** Several statements in the same transaction, still in one round trip. */
export async function runStatementsInRequestTx(
  pool: Pool,
  ctx: TxContext,
  statements: { sql: string; params: unknown[] }[],
): Promise<pg.QueryResult[]> {
  const client = await pool.connect();
  let broken = false;
  try {
    const searchPath = ctx.searchPath.map((s) => '"' + s.replace(/"/g, '""') + '"').join(', ');
    const results = await Promise.allSettled([
      client.query(ctx.readOnly ? 'BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY' : 'BEGIN'),
      client.query(SETUP, [searchPath, ctx.role, JSON.stringify(ctx.claims), ctx.method, ctx.path, JSON.stringify(ctx.headers)]),
      ...statements.map((st) => client.query(st.sql, st.params)),
      client.query(ctx.rollback ? 'ROLLBACK' : 'COMMIT'),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      if (results[results.length - 1].status === 'rejected') {
        // The transaction may still be open: close it, or drop the connection.
        broken = true;
        await client.query('ROLLBACK').then(() => (broken = false), () => {});
      }
      throw pgToApiError(failed.reason, ctx.role !== 'anon');
    }
    return results.slice(2, 2 + statements.length).map((r) => (r as PromiseFulfilledResult<pg.QueryResult>).value);
  } finally {
    client.release(broken);
  }
}

/** A PostgreSQL error → the data API's { code, message, details, hint } with PostgREST's status. */
export function pgToApiError(e: unknown, authenticated: boolean): ApiError {
  if (e instanceof ApiError) return e;
  const err = e as pg.DatabaseError;
  if (!err || typeof err.code !== 'string') {
    return new ApiError(503, 'PGRST000', 'Database connection error', { details: (e as Error)?.message ?? null });
  }
  const status = httpStatusForSqlState(err.code, authenticated);
  return new ApiError(status, err.code, err.message, { details: err.detail ?? null, hint: err.hint ?? null });
}
