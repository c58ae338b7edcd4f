/**
 * Failures to reach a pg-meta database, as clear 502/503 answers. The message names the
 * reason only: never the connection string, its password, or pg's raw text.
 */
import pg from 'pg';
import { ApiError, fail } from '../../shared/errors.ts';
import { pgErrorKind, type PgErrorKind } from '../../shared/db/sqlstate.ts';
import { databaseUnavailable, unavailableError } from '../../shared/db/unavailable.ts';

export type DbWhich = 'target' | 'server';

const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

const SERVER: Partial<Record<PgErrorKind, string>> = {
  invalid_authorization: 'authentication failed',
  undefined_database: 'database does not exist',
  too_many_connections: 'too many connections',
  server_starting: 'the server is starting up or shutting down',
  connection_terminated: 'the server is shutting down',
};

function reasonOf(e: unknown): { reason: string; key: string } {
  const err = e as { code?: string; message?: string };
  if (e instanceof pg.DatabaseError && err.code) return { reason: SERVER[pgErrorKind(e)!] ?? 'the server refused the connection', key: err.code };
  if (err?.code && NETWORK[err.code]) return { reason: NETWORK[err.code], key: err.code };
  const m = err?.message ?? '';
  if (/timeout/i.test(m)) return { reason: 'timed out', key: 'TIMEOUT' };
  if (/ssl/i.test(m)) return { reason: 'SSL negotiation failed', key: 'SSL' };
  if (/terminated/i.test(m)) return { reason: 'connection closed by the server', key: 'TERMINATED' };
  return { reason: 'connection failed', key: 'CONNECT_FAILED' };
}

/**
 * Any error thrown by pool.connect() → ApiError: for a target database 502 (503 when it has
 * no free connections); for the server's own database 503/504 with Retry-After, as on every surface.
 */
export function connectFailure(e: unknown, which: DbWhich): ApiError {
  if (e instanceof ApiError) return e;
  if (which === 'server') {
    const u = databaseUnavailable(e);
    if (u) return unavailableError(u);
  }
  const { reason, key } = reasonOf(e);
  const what = which === 'target' ? 'the target database (X-Connection-Encrypted)' : "the server's database";
  const message = `could not connect to ${what}: ${reason}`;
  // Out of connections is a wait, not a fault: 503 as for the server's own database.
  return fail(pgErrorKind(e) === 'too_many_connections' ? 'DATABASE_UNAVAILABLE' : 'DATABASE_UNREACHABLE', message, { fields: { reason: key } });
}

/**
 * True for errors meaning the connection itself failed mid-query (not a Postgres error
 * about the SQL): the client must be discarded and the answer is a 502.
 */
export function isConnectionLoss(e: unknown): boolean {
  // 08xxx from the SQL itself (dblink, postgres_fdw) is the caller's error on a live connection.
  if (e instanceof pg.DatabaseError) return ['connection_terminated', 'server_crashed', 'server_starting'].includes(pgErrorKind(e)!);
  const err = e as { code?: string; message?: string };
  return Boolean((err?.code && NETWORK[err.code]) || /Connection terminated|not queryable/i.test(err?.message ?? ''));
}

/** A client from `db`, with connection failures turned into clear 502s. */
export async function checkoutClient(db: pg.Pool, which: DbWhich): Promise<pg.PoolClient> {
  try {
    return await db.connect();
  } catch (e) {
    throw connectFailure(e, which);
  }
}
