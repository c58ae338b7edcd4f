/**
 * Telling "the database is unavailable" from "the SQL failed": the first is a 503 (or 504
 * when no pooled connection came free) with Retry-After on every surface, the second the
 * caller's or our error. One classifier, used by every surface's error rendering.
 */
import pg from 'pg';
import { ApiError, fail } from '../errors.ts';
import { pgErrorKind, type PgErrorKind } from './sqlstate.ts';

export type UnavailableKind =
  /** No pooled connection came free within DB_CONNECT_TIMEOUT_MS. */
  | 'pool-timeout'
  /** A new connection could not be opened (server down, starting up, refusing, too many clients). */
  | 'unreachable'
  /** The connection went away mid-request (server restarted, backend terminated). */
  | 'lost'
  /** The schema cache has never loaded, so requests that need it cannot be planned. */
  | 'no-schema-cache';

export interface Unavailable {
  kind: UnavailableKind;
  /** A short reason without host names, ports or roles. */
  reason: string;
}

/** Seconds a client should wait before retrying; the pool reconnects on the next request. */
export const RETRY_AFTER_SECONDS = 1;
export const retryAfter = { 'Retry-After': String(RETRY_AFTER_SECONDS) };

/** Thrown by the schema cache when it has no snapshot to serve and cannot load one. */
export class SchemaCacheUnavailableError extends Error {
  constructor(readonly cause: unknown) {
    super(`the schema cache could not be loaded: ${(cause as Error)?.message ?? cause}`);
    this.name = 'SchemaCacheUnavailableError';
  }
}

const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ETIMEDOUT: 'timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** Error kinds that mean the server, not the statement, is the problem. */
const SERVER: Partial<Record<PgErrorKind, string>> = {
  connection_terminated: 'the server is shutting down or the connection was terminated',
  server_crashed: 'the server crashed',
  server_starting: 'the server is starting up or shutting down',
  too_many_connections: 'too many connections',
  connection_failure: 'the server refused the connection',
};

export function databaseUnavailable(e: unknown): Unavailable | undefined {
  if (e instanceof ApiError) return undefined;
  if (e instanceof SchemaCacheUnavailableError) return { kind: 'no-schema-cache', reason: 'the schema cache could not be loaded' };
  const err = e as { code?: unknown; message?: unknown };
  const message = typeof err?.message === 'string' ? err.message : '';
  if (e instanceof pg.DatabaseError) {
    const kind = pgErrorKind(e);
    const reason = kind && SERVER[kind];
    return reason ? { kind: kind === 'connection_terminated' || kind === 'server_crashed' ? 'lost' : 'unreachable', reason } : undefined;
  }
  if (typeof err?.code === 'string' && NETWORK[err.code]) return { kind: 'unreachable', reason: NETWORK[err.code] };
  // pg-pool's words for a wait that outlived connectionTimeoutMillis with every client busy.
  if (message === 'timeout exceeded when trying to connect') return { kind: 'pool-timeout', reason: 'no pooled connection came free in time' };
  if (/Connection terminated due to connection timeout/i.test(message)) return { kind: 'unreachable', reason: 'timed out' };
  if (/Connection terminated|not queryable|Client was closed|Client has encountered a connection error/i.test(message)) {
    return { kind: 'lost', reason: 'the connection was lost' };
  }
  return undefined;
}

/** The /api, /v1 and pg-meta surfaces' answer to an unavailable database: 503 (504 for a pool wait), Retry-After. */
export function unavailableError(u: Unavailable): ApiError {
  if (u.kind === 'pool-timeout') {
    return fail('DATABASE_TIMEOUT', 'Timed out waiting for a database connection; retry shortly', { headers: retryAfter, fields: { reason: u.reason } });
  }
  return fail('DATABASE_UNAVAILABLE', `The database is unavailable (${u.reason}); retry shortly`, { headers: retryAfter, fields: { reason: u.reason } });
}
