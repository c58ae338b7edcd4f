import pg from 'pg';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { trackPool } from '../metrics/registry.ts';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/**
 * Every session the server opens starts with this search_path, so no function, operator or
 * type a tenant creates in a schema of its own (or names in ALTER DATABASE … SET search_path)
 * can stand in for a pg_catalog one in the server's SQL. pg_temp is named last so that
 * temporary objects never come first either. A startup option outranks database and role
 * settings. SQL written by a caller sets its own path per transaction (USER_SEARCH_PATH).
 */
export const PINNED_SEARCH_PATH_OPTION = '-c search_path=pg_catalog,pg_temp';
/** The search_path SQL written by an admin runs with (PostgreSQL's default). */
export const USER_SEARCH_PATH = '"$user", public';

/** Connection settings of a server-owned session: the pinned search_path and a name. */
export function serverSession(connectionString: string, applicationName: string): pg.ClientConfig {
  return { connectionString, application_name: applicationName, options: PINNED_SEARCH_PATH_OPTION };
}

export function createPool(
  config: Pick<Config, 'DATABASE_URL' | 'DB_POOL_MAX' | 'DB_POOL_IDLE_MS' | 'DB_CONNECT_TIMEOUT_MS' | 'DB_STATEMENT_TIMEOUT_MS'>,
  log?: Logger,
  opts: { applicationName?: string; max?: number; pipeline?: boolean; connectionString?: string; statementTimeoutMs?: number } = {},
): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.connectionString ?? config.DATABASE_URL,
    max: opts.max ?? config.DB_POOL_MAX,
    idleTimeoutMillis: config.DB_POOL_IDLE_MS,
    connectionTimeoutMillis: config.DB_CONNECT_TIMEOUT_MS,
    statement_timeout: opts.statementTimeoutMs ?? config.DB_STATEMENT_TIMEOUT_MS,
    application_name: opts.applicationName ?? 'basalt',
    options: PINNED_SEARCH_PATH_OPTION,
    // pg's pipeline mode writes queued queries without waiting for each answer.
    ...(opts.pipeline ? { pipeline: true } : {}),
  } as pg.PoolConfig);
  // A client that loses its server (idle or in use) must not crash the process: pg emits
  // 'error' on the client, and an in-use one has no listener of the pool's.
  pool.on('error', (err) => log?.warn({ err: err.message }, 'idle database client error'));
  pool.on('connect', (client) => client.on('error', (err) => log?.warn({ err: err.message }, 'database connection lost')));
  trackPool(pool, opts.applicationName ?? 'basalt');
  return pool;
}

/** How a transaction begins: read-write (the default), or a read-only snapshot for consistent exports. */
export type TransactionMode = 'read-write' | 'read-only' | 'snapshot';
const BEGIN: Record<TransactionMode, string> = {
  'read-write': 'BEGIN',
  'read-only': 'BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY',
  snapshot: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
};

export interface TransactionOptions<C> {
  mode?: TransactionMode;
  /** Runs first in the transaction (SET LOCAL role, search_path, an advisory lock, …). */
  setup?: (c: C) => Promise<void>;
  /**
   * True when the connection must not be reused: always (`true`), or when the work says so at
   * the time it fails (a COPY cut off mid-protocol, where even ROLLBACK would wait forever).
   */
  discard?: boolean | (() => boolean);
}

const mustDiscard = (d: TransactionOptions<unknown>['discard']) => (typeof d === 'function' ? d() : d === true);

/**
 * Runs fn inside BEGIN/COMMIT on a client the caller holds, rolling back on any error.
 * Returns whether the client is still fit for reuse alongside fn's result or error.
 */
async function inTransaction<C extends pg.ClientBase, T>(client: C, fn: (c: C) => Promise<T>, opts: TransactionOptions<C> = {}): Promise<{ value: T; reusable: boolean }> {
  try {
    await client.query(BEGIN[opts.mode ?? 'read-write']);
    if (opts.setup) await opts.setup(client);
    const value = await fn(client);
    await client.query('COMMIT');
    return { value, reusable: !mustDiscard(opts.discard) };
  } catch (e) {
    const discard = mustDiscard(opts.discard);
    // A discarded connection's transaction ends with the connection; ROLLBACK could wait behind a cut-off COPY.
    const rolledBack = !discard && (await client.query('ROLLBACK').then(() => true, () => false));
    throw Object.assign(new TransactionFailure(e), { reusable: rolledBack });
  }
}

/** Carries fn's error out of inTransaction together with whether the client can be reused. */
class TransactionFailure {
  reusable = false;
  constructor(readonly error: unknown) {}
}

/**
 * The one way the server runs a transaction: a client from `pool` (or from `connect`, which
 * may map a failure to connect), BEGIN in the given mode, `setup`, fn, COMMIT; ROLLBACK on
 * any error. A client that cannot roll back, or that `discard` names, is dropped, not reused.
 */
export async function withTransaction<T>(
  pool: pg.Pool | (() => Promise<pg.PoolClient>),
  fn: (c: pg.PoolClient) => Promise<T>,
  opts: TransactionOptions<pg.PoolClient> | ((c: pg.PoolClient) => Promise<void>) = {},
): Promise<T> {
  const o = typeof opts === 'function' ? { setup: opts } : opts;
  const client = typeof pool === 'function' ? await pool() : await pool.connect();
  let reusable = false;
  try {
    const out = await inTransaction(client, fn, o);
    reusable = out.reusable;
    return out.value;
  } catch (e) {
    if (e instanceof TransactionFailure) {
      reusable = e.reusable;
      throw e.error;
    }
    throw e;
  } finally {
    client.release(!reusable);
  }
}

/** The same on a client the caller holds (a dedicated pg.Client): fn's error is rethrown as it was. */
export async function transactionOn<C extends pg.ClientBase, T>(client: C, fn: (c: C) => Promise<T>, opts: TransactionOptions<C> = {}): Promise<T> {
  try {
    return (await inTransaction(client, fn, opts)).value;
  } catch (e) {
    throw e instanceof TransactionFailure ? e.error : e;
  }
}
