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

/**
 * Runs fn inside BEGIN/COMMIT on one client, rolling back on any error. `setup` runs first in
 * the transaction (SET LOCAL role, search_path, …). A client that cannot roll back is dropped.
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>, setup?: (c: pg.PoolClient) => Promise<void>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    if (setup) await setup(client);
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw e;
  } finally {
    client.release(broken);
  }
}
