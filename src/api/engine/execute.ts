/**
 * Runs one data-API statement inside a transaction with the request's role and
 * claims, in a single round trip: BEGIN, set_config(...), the statement and COMMIT
 * are written together on a pipelined connection.
 */
import pg from 'pg';
import { ApiError } from '../../shared/errors.ts';
import { quoteIdent } from '../../shared/sql/ident.ts';
import type { Pool } from '../../shared/db/pool.ts';
import { httpStatusForSqlState, restErrorWith } from './errors.ts';
import { databaseUnavailable, retryAfter } from '../../shared/db/unavailable.ts';
import type { ServerTiming } from './respond/server-timing.ts';
import { FIELD_TEXT, HEADER_NAME } from './respond/response-gucs.ts';

export interface TxContext {
  role: string;
  claims: Record<string, unknown>;
  searchPath: string[];
  method: string;
  path: string;
  headers: Record<string, string>;
  cookies?: Record<string, string>;
  readOnly: boolean;
  /** PostgREST's `Prefer: tx=rollback`. */
  rollback?: boolean;
  /** `Prefer: timezone=…`. */
  timezone?: string;
  /** A `schema.function` called after the set-up and before the statement. */
  preRequest?: string;
  /** Whether the request runs as a role other than anon (42501 is then 403, else 401). */
  authenticated?: boolean;
  /** Set when Server-Timing is on: the transaction marks its start and end. */
  timing?: ServerTiming;
  /**
   * Run the set-up and the statements as named prepared statements (see `prepared`): only
   * for statements whose result columns never change with the schema (a read's total,
   * page_total, body...), so a plan PostgreSQL re-makes after DDL keeps its row type.
   */
  prepare?: boolean;
}

/** A statement as the engine sends it: SQL text with $n placeholders and their values. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * Named prepared statements, as PostgREST uses them: PostgreSQL parses and plans a statement
 * once per connection and then only binds and runs it (it re-plans by itself after DDL, a
 * role or search_path change). The SQL text is the key; each distinct text gets a name once
 * per process. Each connection keeps its most recently used PREPARED_PER_CONNECTION and
 * DEALLOCATEs the rest, so distinct query shapes cannot pile up in a backend's memory.
 */
const PREPARED_PER_CONNECTION = 100;
const MAX_NAMES = 2_000;
const names = new Map<string, string>();
let nameCount = 0;
const PREPARED = Symbol('prepared statements on this connection');

type PgConnection = { stream?: NodeJS.WritableStream & { cork(): void; uncork(): void }; parsedStatements?: Record<string, string> };
type TrackedClient = pg.PoolClient & { connection?: PgConnection; [PREPARED]?: Map<string, true> };

function nameFor(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    // Texts no longer sent (an old schema's) only cost a name here: start over when too many.
    if (names.size >= MAX_NAMES) names.clear();
    name = `basalt_${++nameCount}`;
    names.set(sql, name);
  }
  return name;
}

/**
 * The query config for `st` on `client`, named when `prepare` is set; queues the DEALLOCATE
 * of the connection's least recently used statement when it holds too many.
 */
function queryConfig(client: TrackedClient, st: Statement, prepare: boolean | undefined): pg.QueryConfig {
  if (!prepare) return { text: st.sql, values: st.params };
  const name = nameFor(st.sql);
  const used = (client[PREPARED] ??= new Map());
  used.delete(name);
  used.set(name, true);
  if (used.size > PREPARED_PER_CONNECTION) {
    const oldest = used.keys().next().value!;
    used.delete(oldest);
    const parsed = client.connection?.parsedStatements;
    // Only what the server holds: a statement whose Parse failed was never created.
    if (parsed && oldest in parsed) {
      delete parsed[oldest];
      client.query(`DEALLOCATE ${quoteIdent(oldest)}`).catch(() => {});
    }
  }
  return { name, text: st.sql, values: st.params };
}

const CLAIM_KEY = /^[A-Za-z0-9_]+$/;

/**
 * `SELECT set_config($1, $2, true), …` for n calls: names and values are all parameters, so
 * the text depends on the number of calls only. Kept, so a request builds no SQL for it and
 * the prepared-statement lookup hashes the same string each time.
 */
const setupSql: string[] = [];
function setupSqlFor(calls: number): string {
  let sql = setupSql[calls];
  if (sql === undefined) {
    const parts: string[] = [];
    for (let i = 0; i < calls; i++) parts.push(`set_config($${2 * i + 1}, $${2 * i + 2}, true)`);
    sql = setupSql[calls] = `SELECT ${parts.join(', ')}`;
  }
  return sql;
}

/** One SELECT of set_config calls: role, claims (and the legacy per-claim GUCs), request data, search_path. */
function setupStatement(ctx: TxContext): Statement {
  const params: unknown[] = [
    'search_path',
    [...new Set(ctx.searchPath)].map(quoteIdent).join(', '),
    'role',
    ctx.role,
    'request.jwt.claims',
    JSON.stringify(ctx.claims),
    'request.method',
    ctx.method,
    'request.path',
    ctx.path,
    'request.headers',
    JSON.stringify(ctx.headers),
    'request.cookies',
    JSON.stringify(ctx.cookies ?? {}),
  ];
  for (const k in ctx.claims) {
    const v = ctx.claims[k];
    if (CLAIM_KEY.test(k)) params.push(`request.jwt.claim.${k}`, typeof v === 'string' ? v : JSON.stringify(v));
  }
  if (ctx.timezone) params.push('timezone', ctx.timezone);
  return { sql: setupSqlFor(params.length / 2), params };
}

export async function runInRequestTx<R extends pg.QueryResultRow>(
  pool: Pool,
  ctx: TxContext,
  statement: Statement,
): Promise<pg.QueryResult<R>> {
  const [result] = await runStatementsInRequestTx(pool, ctx, [statement]);
  return result as pg.QueryResult<R>;
}

/**
 * Several statements in the same transaction, still in one round trip. With `verify`, the
 * transaction ends only after it has seen the results: it throws (an ApiError) to roll back,
 * as PostgREST does for a singular-object or max-affected violation, whatever `tx` says.
 */
export async function runStatementsInRequestTx(
  pool: Pool,
  ctx: TxContext,
  statements: Statement[],
  verify?: (results: pg.QueryResult[]) => void,
): Promise<pg.QueryResult[]> {
  ctx.timing?.mark('txStart');
  const client: TrackedClient = await pool.connect().catch((e: unknown) => {
    throw pgToApiError(e, !!ctx.authenticated);
  });
  let broken = false;
  // Cork the socket so BEGIN, the set-up, the statement and COMMIT leave in one write.
  const socket = client.connection?.stream;
  try {
    const setup = setupStatement(ctx);
    socket?.cork();
    // In pipeline mode the order of client.query calls is the order on the wire.
    const sent: Promise<pg.QueryResult>[] = [];
    // Named statements first: an eviction's DEALLOCATE goes out before BEGIN.
    const setupQuery = queryConfig(client, setup, ctx.prepare);
    const queries = statements.map((st) => queryConfig(client, st, ctx.prepare));
    sent.push(client.query(ctx.readOnly ? 'BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY' : 'BEGIN'));
    sent.push(client.query(setupQuery));
    const pre = ctx.preRequest ? 1 : 0;
    if (ctx.preRequest) sent.push(client.query(`SELECT ${ctx.preRequest.split('.').map(quoteIdent).join('.')}()`));
    for (const q of queries) sent.push(client.query(q));
    if (!verify) sent.push(client.query(ctx.rollback ? 'ROLLBACK' : 'COMMIT'));
    socket?.uncork();
    const results = await Promise.allSettled(sent);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      if (verify || results[results.length - 1].status === 'rejected') {
        // The transaction may still be open: close it, or drop the connection.
        broken = true;
        await client.query('ROLLBACK').then(() => (broken = false), () => {});
      }
      throw pgToApiError(failed.reason, !!ctx.authenticated);
    }
    const first = 2 + pre;
    const values = results.slice(first, first + statements.length).map((r) => (r as PromiseFulfilledResult<pg.QueryResult>).value);
    if (verify) {
      broken = true;
      try {
        verify(values);
      } catch (e) {
        await client.query('ROLLBACK').then(() => (broken = false), () => {});
        throw e;
      }
      await client.query(ctx.rollback ? 'ROLLBACK' : 'COMMIT').catch((e: unknown) => {
        throw pgToApiError(e, !!ctx.authenticated);
      });
      broken = false;
    }
    return values;
  } finally {
    socket?.uncork();
    client.release(broken);
    ctx.timing?.mark('txEnd');
  }
}

/** A PostgreSQL error → the data API's { code, message, details, hint } with PostgREST's status. */
export function pgToApiError(e: unknown, authenticated: boolean): ApiError {
  if (e instanceof ApiError) return e;
  const unavailable = databaseUnavailable(e);
  // As PostgREST: 504 PGRST003 when no pooled connection came free, 503 PGRST000 when the database is out of reach.
  // Every 503/504 tells the client when to retry, whichever surface renders it.
  if (unavailable?.kind === 'pool-timeout') return restErrorWith('PGRST003', 'Timed out acquiring connection from connection pool.', { headers: retryAfter });
  if (unavailable?.kind === 'no-schema-cache') return restErrorWith('PGRST002', 'Could not query the database for the schema cache. Retrying.', { headers: retryAfter });
  const err = e as pg.DatabaseError;
  if (!(err instanceof pg.DatabaseError) || typeof err.code !== 'string') {
    return restErrorWith('PGRST000', 'Database connection error.', { details: unavailable?.reason ?? (e as Error)?.message ?? null, headers: retryAfter });
  }
  if (err.code === 'PGRST') return raisedPgrst(err);
  const status = httpStatusForSqlState(err.code, authenticated, err.message);
  return new ApiError(status, err.code, err.message, {
    details: err.detail ?? null,
    hint: err.hint ?? null,
    headers: status === 401 ? { 'WWW-Authenticate': 'Bearer' } : status === 503 ? retryAfter : {},
  });
}

const PGRST121 = 'Could not parse JSON in the "RAISE SQLSTATE \'PGRST\'" error';
const MESSAGE_SHAPE = "MESSAGE must be a JSON object with obligatory keys: 'code', 'message' and optional keys: 'details', 'hint'.";
const DETAIL_SHAPE = "DETAIL must be a JSON object with obligatory keys: 'status', 'headers' and optional key: 'status_text'.";

const parseObject = (text: string | undefined): Record<string, unknown> | undefined => {
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * `RAISE SQLSTATE 'PGRST' USING message = '{"code":…,"message":…}', detail = '{"status":…,"headers":{…}}'`:
 * the function chooses the whole error response (PostgREST 12); 500 PGRST121 when either JSON is unusable.
 */
function raisedPgrst(err: pg.DatabaseError): ApiError {
  const bad = (details: string, hint: string) => restErrorWith('PGRST121', PGRST121, { details, hint });
  const m = parseObject(err.message);
  if (!m || typeof m.code !== 'string' || typeof m.message !== 'string' || !optionalString(m.details) || !optionalString(m.hint)) {
    return bad(`Invalid JSON value for MESSAGE: '${err.message}'`, MESSAGE_SHAPE);
  }
  if (err.detail === undefined) return bad('DETAIL is missing in the RAISE statement', DETAIL_SHAPE);
  const d = parseObject(err.detail);
  const headers = d?.headers;
  // Only what HTTP can carry: a header line or reason phrase with CR/LF would make Node refuse the response.
  const validHeaders =
    headers && typeof headers === 'object' && !Array.isArray(headers) && Object.entries(headers).every(([k, v]) => HEADER_NAME.test(k) && typeof v === 'string' && FIELD_TEXT.test(v));
  const validText = d?.status_text === undefined || d.status_text === null || (typeof d.status_text === 'string' && FIELD_TEXT.test(d.status_text));
  if (!d || !Number.isInteger(d.status) || !validHeaders || !validText) {
    return bad(`Invalid JSON value for DETAIL: '${err.detail}'`, DETAIL_SHAPE);
  }
  const status = d.status as number;
  if (status < 100 || status > 599) return bad(`Invalid JSON value for DETAIL: '${err.detail}'`, DETAIL_SHAPE);
  const e = new ApiError(status, m.code, m.message, {
    details: (m.details as string | undefined) ?? null,
    hint: (m.hint as string | undefined) ?? null,
    headers: headers as Record<string, string>,
  });
  // The reason phrase; not enumerable, so no envelope puts it in a body.
  if (typeof d.status_text === 'string') Object.defineProperty(e, 'statusText', { value: d.status_text });
  return e;
}

const optionalString = (v: unknown) => v === undefined || v === null || typeof v === 'string';
