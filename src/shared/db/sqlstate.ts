/**
 * The one translator from a PostgreSQL error (its SQLSTATE and fields) to a kind. Surfaces
 * decide what a kind means for their callers; no other module reads SQLSTATE literals
 * (the data API's PostgREST catalogue in src/api/engine/errors.ts keeps PostgREST's own table).
 */
import pg from 'pg';

export type PgErrorKind =
  // Integrity (class 23) and cardinality.
  | 'unique_violation'
  | 'foreign_key_violation'
  | 'not_null_violation'
  | 'check_violation'
  | 'integrity_violation'
  | 'cardinality_violation'
  // Data (class 22).
  | 'bad_copy_data'
  | 'invalid_data'
  // Names and definitions (class 42, 3F, 3D).
  | 'undefined_table'
  | 'undefined_column'
  | 'undefined_object'
  | 'undefined_function'
  | 'undefined_schema'
  | 'undefined_database'
  | 'duplicate_table'
  | 'duplicate_column'
  | 'duplicate_schema'
  | 'duplicate_object'
  | 'no_conflict_target'
  | 'datatype_mismatch'
  | 'generated_always'
  | 'insufficient_privilege'
  | 'syntax_error'
  | 'invalid_statement'
  | 'feature_not_supported'
  | 'dependent_objects'
  | 'read_only_transaction'
  | 'object_in_use'
  // The statement was stopped.
  | 'query_canceled'
  // The server or the connection, not the statement.
  | 'invalid_authorization'
  | 'too_many_connections'
  | 'server_starting'
  | 'connection_terminated'
  | 'server_crashed'
  | 'connection_failure'
  | 'other';

const EXACT: Record<string, PgErrorKind> = {
  '23505': 'unique_violation',
  '23503': 'foreign_key_violation',
  '23502': 'not_null_violation',
  '23514': 'check_violation',
  '21000': 'cardinality_violation',
  '22P04': 'bad_copy_data',
  '42P01': 'undefined_table',
  '42703': 'undefined_column',
  '42704': 'undefined_object',
  '42883': 'undefined_function',
  '3F000': 'undefined_schema',
  '3D000': 'undefined_database',
  '42P07': 'duplicate_table',
  '42701': 'duplicate_column',
  '42P06': 'duplicate_schema',
  '42710': 'duplicate_object',
  '42P10': 'no_conflict_target',
  '42804': 'datatype_mismatch',
  '428C9': 'generated_always',
  '42501': 'insufficient_privilege',
  '42601': 'syntax_error',
  '2BP01': 'dependent_objects',
  '25006': 'read_only_transaction',
  '55006': 'object_in_use',
  '57014': 'query_canceled',
  '53300': 'too_many_connections',
  '57P03': 'server_starting',
  '57P01': 'connection_terminated',
  '57P02': 'server_crashed',
};

const BY_CLASS: Record<string, PgErrorKind> = {
  '23': 'integrity_violation',
  '22': 'invalid_data',
  '42': 'invalid_statement',
  '0A': 'feature_not_supported',
  '2B': 'dependent_objects',
  '28': 'invalid_authorization',
  '08': 'connection_failure',
};

/** The kind of a SQLSTATE (also of the SQLSTATE codes the data API engine reports). */
export function sqlstateKind(code: string): PgErrorKind {
  return EXACT[code] ?? BY_CLASS[code.slice(0, 2)] ?? 'other';
}

/** Kinds that describe the caller's SQL or values rather than a fault of the server. */
const CALLER_INPUT = new Set<PgErrorKind>([
  'unique_violation', 'foreign_key_violation', 'not_null_violation', 'check_violation', 'integrity_violation',
  'cardinality_violation', 'bad_copy_data', 'invalid_data', 'undefined_table', 'undefined_column', 'undefined_object',
  'undefined_function', 'undefined_schema', 'duplicate_table', 'duplicate_column', 'duplicate_schema', 'duplicate_object',
  'no_conflict_target', 'datatype_mismatch', 'generated_always', 'insufficient_privilege', 'syntax_error',
  'invalid_statement', 'feature_not_supported', 'dependent_objects',
]);
export const isCallerInput = (k: PgErrorKind) => CALLER_INPUT.has(k);

/** Kinds that mean the connection or the server failed, not the statement: worth a retry. */
const SERVER_FAULTS = new Set<PgErrorKind>(['connection_failure', 'connection_terminated', 'server_crashed', 'server_starting', 'too_many_connections', 'query_canceled']);
export const isServerFault = (k: PgErrorKind) => SERVER_FAULTS.has(k);

/** Kinds of class 42: the statement itself (its syntax, names, types or privileges) is wrong. */
export const STATEMENT_KINDS = new Set<PgErrorKind>([
  'undefined_table', 'undefined_column', 'undefined_object', 'undefined_function', 'duplicate_table', 'duplicate_column',
  'duplicate_schema', 'duplicate_object', 'no_conflict_target', 'datatype_mismatch', 'generated_always',
  'insufficient_privilege', 'syntax_error', 'invalid_statement',
]);

/** A PostgreSQL error as a typed value. */
export interface PgFailure {
  kind: PgErrorKind;
  sqlstate: string;
  message: string;
  detail?: string;
  hint?: string;
  position?: string;
  schema?: string;
  table?: string;
  column?: string;
  constraint?: string;
}

/** A PostgreSQL error (from the server, or one that carries a SQLSTATE) as a PgFailure; anything else undefined. */
export function pgFailure(e: unknown): PgFailure | undefined {
  const err = e as Partial<pg.DatabaseError> | undefined;
  if (typeof err?.code !== 'string' || !/^[0-9A-Z]{5}$/.test(err.code)) return undefined;
  if (!(e instanceof pg.DatabaseError) && typeof err.severity !== 'string') return undefined;
  return {
    kind: sqlstateKind(err.code),
    sqlstate: err.code,
    message: err.message ?? '',
    ...(err.detail !== undefined && { detail: err.detail }),
    ...(err.hint !== undefined && { hint: err.hint }),
    ...(err.position !== undefined && { position: err.position }),
    ...(err.schema !== undefined && { schema: err.schema }),
    ...(err.table !== undefined && { table: err.table }),
    ...(err.column !== undefined && { column: err.column }),
    ...(err.constraint !== undefined && { constraint: err.constraint }),
  };
}

/** The kind of an error, or undefined when it is not a PostgreSQL error. */
export const pgErrorKind = (e: unknown): PgErrorKind | undefined => pgFailure(e)?.kind;
