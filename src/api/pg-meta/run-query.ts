/**
 * Runs arbitrary SQL as postgres-meta's POST /query does: any number of statements, the
 * rows of the last statement that returned rows, under a statement timeout, and leaves
 * the connection as it found it whatever the SQL did.
 */
import pg from 'pg';
import { ApiError, fail } from '../../shared/errors.ts';
import { USER_SEARCH_PATH } from '../../shared/db/pool.ts';
import { checkoutClient, connectFailure, isConnectionLoss, type DbWhich } from './connection-errors.ts';
import { pgErrorFields } from './query-error-format.ts';

/**
 * Type parsers for result values, per query (the process-wide pg defaults stay as other
 * surfaces expect them): as postgres-meta answers, int8 is a number when it fits, dates
 * and timestamps are the server's text (no time-zone shifting through Date), and bytea
 * and point stay text.
 */
const textArray = pg.types.getTypeParser(1009 as never) as (v: string) => unknown; // _text
const identity = (v: string) => v;
const OVERRIDES: Record<number, (v: string) => unknown> = {
  20: (v) => (Number.isSafeInteger(Number(v)) ? Number(v) : v), // int8
  1082: identity, // date
  1114: identity, // timestamp
  1184: identity, // timestamptz
  1115: textArray, // _timestamp
  1182: textArray, // _date
  1185: textArray, // _timestamptz
  17: identity, // bytea
  600: identity, // point
  1017: identity, // _point
};
const resultTypes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    (format ?? 'text') === 'text' && OVERRIDES[oid] ? OVERRIDES[oid] : (pg.types.getTypeParser as (o: number, f?: string) => unknown)(oid, format),
};

/**
 * Puts a client back as it was before: an open or failed transaction rolled back, and
 * session state the SQL may have changed (settings incl. statement_timeout and role,
 * cursors, LISTENs, advisory locks, temp tables) reset. RESET ALL returns settings to the
 * connection's start-up values. Prepared statements are kept: pg tracks its own by name.
 */
const RESET_SESSION = 'SET SESSION AUTHORIZATION DEFAULT; RESET ALL; CLOSE ALL; UNLISTEN *; SELECT pg_advisory_unlock_all(); DISCARD TEMP';

export interface RunQueryOptions {
  parameters?: unknown[];
  statementTimeoutMs: number;
  which: DbWhich;
}

export async function runQuery(db: pg.Pool, sql: string, o: RunQueryOptions): Promise<unknown[]> {
  const client = await checkoutClient(db, o.which);
  let broken: Error | undefined;
  try {
    // Its own round trip: in the same simple-protocol message as the user's SQL it would put
    // everything in one implicit transaction, and CREATE DATABASE or VACUUM would refuse to run.
    await client.query(`SET statement_timeout = ${Math.trunc(o.statementTimeoutMs)}`);
    // The server's own sessions start with a pinned search_path; the caller's SQL gets PostgreSQL's default.
    if (o.which === 'server') await client.query(`SET search_path = ${USER_SEARCH_PATH}`);
    const params = o.parameters ?? [];
    let result: pg.QueryResult | pg.QueryResult[];
    try {
      // Without values pg uses the simple protocol (several statements allowed); with values the extended one.
      result = (await client.query({ text: sql, values: params.length ? params : undefined, types: resultTypes } as pg.QueryConfig)) as
        | pg.QueryResult
        | pg.QueryResult[];
    } catch (e) {
      if (e instanceof pg.DatabaseError && !isConnectionLoss(e)) {
        const fields = pgErrorFields(e as unknown as Parameters<typeof pgErrorFields>[0], sql);
        // postgres-meta's body: { error: formattedError, ...every field, message, formattedError }.
        throw fail('QUERY_FAILED', fields.formattedError as string, { fields });
      }
      throw e;
    }
    const results = Array.isArray(result) ? result : [result];
    for (let i = results.length - 1; i >= 0; i--) if (results[i].rows?.length) return results[i].rows;
    return [];
  } catch (e) {
    if (e instanceof ApiError) throw e;
    broken = e as Error;
    if (isConnectionLoss(e)) throw connectFailure(e, o.which);
    throw e;
  } finally {
    if (!broken) {
      try {
        if ((client as unknown as { getTransactionStatus?(): string | null }).getTransactionStatus?.() !== 'I') await client.query('ROLLBACK');
        await client.query(RESET_SESSION);
      } catch (e) {
        broken = e as Error;
      }
    }
    // A client that could not be reset is closed rather than handed to the next request.
    client.release(broken ?? undefined);
  }
}
