/**
 * What raw SQL may do, decided from PostgreSQL's own parse tree (libpg-query JSON),
 * never from the text. Pure: no database, no I/O. The API turns a Violation into
 * an error response.
 *
 * These rules are the first line of defence and the explanation a caller gets; the guarantee
 * is the role each mode runs as (control migration 0015: no superuser, no file or program
 * rights, no CREATE on the database), which PostgreSQL enforces whatever slips past them.
 *
 * Both modes refuse: transaction control, COPY … PROGRAM and COPY to/from files or
 * STDIN/STDOUT, server file access functions, code or SQL text the parser cannot see
 * (DO, CREATE FUNCTION/PROCEDURE, query_to_xml, ts_stat, crosstab, dblink, …), changing
 * statement_timeout or search_path, role management, SET ROLE / SESSION
 * AUTHORIZATION, ALTER SYSTEM and database- or cluster-level statements. Functions
 * are refused by name wherever they are named (a call, CREATE OPERATOR/CAST, …).
 *
 * Strict mode also refuses any reference to system relations (pg_catalog,
 * information_schema, pg_toast, and unqualified pg_* names, which resolve to
 * pg_catalog first), to Basalt's control schema `basalt`, and to auth.users;
 * and server administration functions (pg_terminate_backend, …).
 *
 * Relaxed mode allows those references in SELECT and INSERT statements (and
 * EXPLAIN of them), except as the target of a data-modifying CTE (UPDATE, DELETE,
 * MERGE); any other statement touching them is refused.
 */

export type SqlMode = 'strict' | 'relaxed';

export type SqlRule =
  | 'transaction-control'
  | 'copy-program'
  | 'copy-file'
  | 'copy-stdio'
  | 'file-access'
  | 'opaque-code'
  | 'statement-timeout'
  | 'role-management'
  | 'session-role'
  | 'alter-system'
  | 'database-level'
  | 'search-path'
  | 'dynamic-sql'
  | 'server-admin'
  | 'system-tables'
  | 'control-schema'
  | 'auth-users';

export interface Violation {
  rule: SqlRule;
  status: 400 | 403;
  message: string;
}

type Json = Record<string, unknown>;

const CONTROL_SCHEMA = 'basalt';
const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'pg_toast']);

const ROLE_STMTS = new Set(['CreateRoleStmt', 'AlterRoleStmt', 'AlterRoleSetStmt', 'DropRoleStmt', 'GrantRoleStmt', 'ReassignOwnedStmt', 'DropOwnedStmt']);
const DATABASE_STMTS = new Set([
  'CreatedbStmt', 'DropdbStmt', 'AlterDatabaseStmt', 'AlterDatabaseSetStmt', 'AlterDatabaseRefreshCollStmt',
  'CreateTableSpaceStmt', 'DropTableSpaceStmt', 'AlterTableSpaceOptionsStmt', 'AlterTableMoveAllStmt',
  'CreateSubscriptionStmt', 'AlterSubscriptionStmt', 'DropSubscriptionStmt',
  'LoadStmt', 'CheckPointStmt', 'CreateEventTrigStmt', 'AlterEventTrigStmt', 'CreatePLangStmt',
  'CreateFdwStmt', 'AlterFdwStmt', 'CreateForeignServerStmt', 'AlterForeignServerStmt',
  'CreateUserMappingStmt', 'AlterUserMappingStmt', 'DropUserMappingStmt', 'ImportForeignSchemaStmt',
]);
/** Object types that live at database or cluster level, in DROP / RENAME / OWNER / GRANT / COMMENT. */
const DATABASE_OBJECTS = new Set([
  'OBJECT_DATABASE', 'OBJECT_TABLESPACE', 'OBJECT_EVENT_TRIGGER', 'OBJECT_SUBSCRIPTION', 'OBJECT_FDW', 'OBJECT_FOREIGN_SERVER', 'OBJECT_ROLE',
]);
const FILE_FUNCTIONS = new Set([
  'pg_read_file', 'pg_read_binary_file', 'pg_stat_file', 'pg_ls_dir', 'pg_ls_logdir', 'pg_ls_waldir', 'pg_ls_tmpdir',
  'pg_ls_archive_statusdir', 'pg_ls_logicalsnapdir', 'pg_ls_logicalmapdir', 'pg_ls_replslotdir', 'lo_import', 'lo_export',
  'pg_file_write', 'pg_file_rename', 'pg_file_unlink', 'pg_file_sync', 'pg_logdir_ls', 'pg_file_settings',
]);
/**
 * Functions that run SQL text (or a relation named in text) the checker never sees: a query in a
 * string is parsed only when the function runs, past every rule here. Found in pg_proc (arguments
 * named query, sql, relname, …) and in the contrib extensions PostgreSQL ships.
 */
const DYNAMIC_SQL_FUNCTIONS = new Set([
  // core: the XML exports and full-text statistics take a query or a relation by name
  'query_to_xml', 'query_to_xmlschema', 'query_to_xml_and_xmlschema', 'table_to_xml', 'table_to_xmlschema', 'table_to_xml_and_xmlschema',
  'schema_to_xml', 'schema_to_xmlschema', 'schema_to_xml_and_xmlschema', 'database_to_xml', 'database_to_xmlschema',
  'database_to_xml_and_xmlschema', 'cursor_to_xml', 'cursor_to_xmlschema', 'ts_stat', 'ts_rewrite',
  // dblink: SQL text sent over a connection of its own
  'dblink', 'dblink_exec', 'dblink_open', 'dblink_fetch', 'dblink_send_query', 'dblink_get_result', 'dblink_connect', 'dblink_connect_u',
  // tablefunc, xml2: a source query or a relation and criteria in text
  'crosstab', 'crosstab2', 'crosstab3', 'crosstab4', 'connectby', 'xpath_table',
  // refint: trigger functions that build and run SQL from their trigger arguments
  'check_primary_key', 'check_foreign_key',
]);
const ADMIN_FUNCTIONS = new Set([
  'pg_reload_conf', 'pg_terminate_backend', 'pg_cancel_backend', 'pg_promote', 'pg_rotate_logfile', 'pg_switch_wal',
  'pg_create_restore_point', 'pg_create_physical_replication_slot', 'pg_create_logical_replication_slot', 'pg_drop_replication_slot',
  'pg_log_backend_memory_contexts', 'pg_backup_start', 'pg_backup_stop', 'pg_wal_replay_pause', 'pg_wal_replay_resume',
]);
/** Top-level statements that may read (and, for INSERT, write) system relations in relaxed mode. */
const RELAXED_READ_STMTS = new Set(['SelectStmt', 'InsertStmt', 'ExplainStmt']);

const refuse = (rule: SqlRule, message: string, status: 400 | 403 = 403): Violation => ({ rule, status, message });

/** A reference to a protected relation or schema found in the tree. */
interface Ref {
  rule: 'system-tables' | 'control-schema' | 'auth-users';
  what: string;
  /** The relation is the target of UPDATE, DELETE or MERGE. */
  written: boolean;
}

function relationRef(schema: string | undefined, rel: string, written: boolean): Ref | null {
  const name = schema ? `${schema}.${rel}` : rel;
  if (schema === CONTROL_SCHEMA) return { rule: 'control-schema', what: name, written };
  if (schema && SYSTEM_SCHEMAS.has(schema)) return { rule: 'system-tables', what: name, written };
  if (!schema && rel.startsWith('pg_')) return { rule: 'system-tables', what: name, written };
  if (schema === 'auth' && rel === 'users') return { rule: 'auth-users', what: name, written };
  return null;
}

function schemaRef(schema: string, written: boolean): Ref | null {
  if (schema === CONTROL_SCHEMA) return { rule: 'control-schema', what: `schema ${schema}`, written };
  if (schema === 'information_schema' || schema === 'pg_toast') return { rule: 'system-tables', what: `schema ${schema}`, written };
  return null;
}

const str = (n: unknown): string | undefined => {
  const s = (n as { String?: { sval?: string } } | undefined)?.String;
  return s ? (s.sval ?? '') : undefined;
};
const constString = (n: unknown): string | undefined => (n as { A_Const?: { sval?: { sval?: string } } })?.A_Const?.sval?.sval;

interface Found {
  violation: Violation | null;
  refs: Ref[];
}

/**
 * Checks one top-level statement (a node like { SelectStmt: {...} }).
 * Returns the first rule it breaks, or null.
 */
export function checkStatement(stmt: Json, mode: SqlMode): Violation | null {
  const found: Found = { violation: null, refs: [] };
  walk(stmt, mode, found, false);
  if (found.violation) return found.violation;
  const topType = Object.keys(stmt)[0] ?? '';
  for (const ref of found.refs) {
    if (mode === 'relaxed' && RELAXED_READ_STMTS.has(topType) && !ref.written) continue;
    const why =
      mode === 'relaxed'
        ? 'relaxed mode allows them only in SELECT and INSERT statements, not as the target of UPDATE, DELETE or MERGE'
        : 'strict mode does not allow them; use /api/database/advance/rawsql/unrestricted to read them';
    const label = ref.rule === 'control-schema' ? "Basalt's control schema" : ref.rule === 'auth-users' ? 'auth.users' : 'system catalogs';
    return refuse(ref.rule, `Refused by rule '${ref.rule}': the query references ${ref.what}; references to ${label}: ${why}`);
  }
  return null;
}

/** Checks every statement; returns the first violation with the statement's index. */
export function checkStatements(stmts: { node: Json }[], mode: SqlMode): (Violation & { index: number }) | null {
  for (const [index, s] of stmts.entries()) {
    const v = checkStatement(s.node, mode);
    if (v) return { ...v, index };
  }
  return null;
}

function walk(node: unknown, mode: SqlMode, found: Found, written: boolean): void {
  if (found.violation || node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) walk(n, mode, found, written);
    // A qualified name list: schema.name, schema.table.column, db.schema.name, …
    const parts = node.map(str);
    if (parts.length >= 2 && parts.every((p) => p !== undefined)) {
      for (let i = 0; i + 1 < parts.length; i++) {
        if (parts[i] === 'auth' && parts[i + 1] === 'users') found.refs.push({ rule: 'auth-users', what: 'auth.users', written });
      }
    }
    return;
  }
  const obj = node as Json;
  // A RangeVar, wrapped ({ RangeVar: {...} }) or not (a typed field such as CopyStmt.relation).
  if (typeof obj.relname === 'string') {
    const ref = relationRef(obj.schemaname as string | undefined, obj.relname, written);
    if (ref) found.refs.push(ref);
  }
  for (const key of ['schemaname', 'newschema'] as const) {
    if (typeof obj[key] === 'string') {
      const ref = schemaRef(obj[key] as string, written);
      if (ref) found.refs.push(ref);
    }
  }
  const s = str(obj);
  if (s !== undefined) {
    const bad = checkFunctionName(s.toLowerCase(), mode);
    if (bad) {
      found.violation = bad;
      return;
    }
    const ref = schemaRef(s, written);
    if (ref) found.refs.push(ref);
    return;
  }
  for (const [key, value] of Object.entries(obj)) {
    const v = checkNode(key, value as Json, mode);
    if (v) {
      found.violation = v;
      return;
    }
    if (key === 'FuncCall') {
      // Its own name was checked above; only a schema qualifier (basalt.fn) matters here.
      const { funcname, ...rest } = value as Json;
      for (const q of ((funcname as unknown[]) ?? []).slice(0, -1)) walk(q, mode, found, written);
      walk(rest, mode, found, written);
    } else if (key === 'UpdateStmt' || key === 'DeleteStmt' || key === 'MergeStmt') {
      const { relation, ...rest } = value as Json;
      walk(relation, mode, found, true);
      walk(rest, mode, found, written);
    } else if (key === 'TruncateStmt') {
      walk(value, mode, found, true);
    } else {
      walk(value, mode, found, written);
    }
  }
}

/** Rules that depend on one node's type and fields. */
function checkNode(type: string, n: Json, mode: SqlMode): Violation | null {
  if (n === null || typeof n !== 'object') return null;
  if (type === 'TransactionStmt') {
    return refuse('transaction-control', "Refused by rule 'transaction-control': BEGIN, COMMIT, ROLLBACK, SAVEPOINT and the like are not allowed; the query already runs in its own transaction", 400);
  }
  if (type === 'CopyStmt') {
    if (n.is_program) return refuse('copy-program', "Refused by rule 'copy-program': COPY … PROGRAM runs a shell command on the database server");
    if (typeof n.filename === 'string') return refuse('copy-file', "Refused by rule 'copy-file': COPY to or from a server file is not allowed");
    return refuse('copy-stdio', "Refused by rule 'copy-stdio': COPY … STDIN/STDOUT cannot stream through this endpoint; use SELECT/INSERT, /advance/export or /advance/import", 400);
  }
  if (type === 'DoStmt' || type === 'CreateFunctionStmt') {
    return refuse('opaque-code', `Refused by rule 'opaque-code': ${type === 'DoStmt' ? 'DO blocks' : 'CREATE FUNCTION / PROCEDURE'} contain code the checker cannot inspect; use POST /api/database/migrations`);
  }
  if (ROLE_STMTS.has(type)) {
    return refuse('role-management', `Refused by rule 'role-management': role statements (CREATE/ALTER/DROP ROLE or USER, GRANT role, REASSIGN/DROP OWNED) are not allowed`);
  }
  if (type === 'AlterSystemStmt') return refuse('alter-system', "Refused by rule 'alter-system': ALTER SYSTEM is not allowed");
  if (DATABASE_STMTS.has(type)) {
    return refuse('database-level', `Refused by rule 'database-level': ${type.replace(/Stmt$/, '')} is a database- or cluster-level statement`);
  }
  if (type === 'ReindexStmt' && (n.kind === 'REINDEX_OBJECT_SYSTEM' || n.kind === 'REINDEX_OBJECT_DATABASE')) {
    return refuse('database-level', "Refused by rule 'database-level': REINDEX SYSTEM/DATABASE is a database-level statement");
  }
  if (['DropStmt', 'RenameStmt', 'AlterOwnerStmt', 'GrantStmt', 'CommentStmt', 'SecLabelStmt'].includes(type)) {
    const objType = (n.removeType ?? n.renameType ?? n.objectType ?? n.objtype) as string | undefined;
    if (objType === 'OBJECT_ROLE') return refuse('role-management', "Refused by rule 'role-management': role statements are not allowed");
    if (objType && DATABASE_OBJECTS.has(objType)) {
      return refuse('database-level', `Refused by rule 'database-level': statements on ${objType.slice(7).toLowerCase().replace('_', ' ')} objects are database- or cluster-level`);
    }
  }
  if (type === 'VariableSetStmt') return checkSetting(n.name as string | undefined, mode, 'SET');
  if (type === 'FuncCall') return checkFunction(n, mode);
  return null;
}

function checkSetting(name: string | undefined, mode: SqlMode, how: string): Violation | null {
  const setting = (name ?? '').toLowerCase();
  if (setting === 'role' || setting === 'session_authorization' || setting === 'session authorization') {
    return refuse('session-role', `Refused by rule 'session-role': ${how} ${setting === 'role' ? 'ROLE' : 'SESSION AUTHORIZATION'} is not allowed`);
  }
  if (setting === 'statement_timeout') {
    return refuse('statement-timeout', `Refused by rule 'statement-timeout': the statement timeout is fixed by the server (DB_STATEMENT_TIMEOUT_MS)`);
  }
  if (setting === 'search_path') {
    return refuse('search-path', "Refused by rule 'search-path': changing search_path is not allowed (it would hide which tables a query touches); qualify names instead");
  }
  return null;
}

function checkFunctionName(fn: string, mode: SqlMode): Violation | null {
  if (FILE_FUNCTIONS.has(fn)) return refuse('file-access', `Refused by rule 'file-access': ${fn}() reads or writes files on the database server`);
  if (DYNAMIC_SQL_FUNCTIONS.has(fn)) {
    return refuse('dynamic-sql', `Refused by rule 'dynamic-sql': ${fn}() runs SQL text (or reads a relation named in text) that the checker cannot inspect; write the query itself instead`);
  }
  if (mode === 'strict' && ADMIN_FUNCTIONS.has(fn)) return refuse('server-admin', `Refused by rule 'server-admin': ${fn}() is a server administration function`);
  return null;
}

function checkFunction(n: Json, mode: SqlMode): Violation | null {
  const names = ((n.funcname as unknown[]) ?? []).map(str).filter((x): x is string => x !== undefined);
  const fn = (names.at(-1) ?? '').toLowerCase();
  // ts_rewrite(query, target, substitute) rewrites in memory; only ts_rewrite(query, text) runs SQL.
  if (fn === 'ts_rewrite' && (n.args as unknown[] | undefined)?.length === 3) return null;
  if (fn === 'set_config') {
    const first = constString((n.args as unknown[] | undefined)?.[0]);
    if (first === undefined) return refuse('session-role', "Refused by rule 'session-role': set_config() needs a constant setting name here");
    return checkSetting(first, mode, 'set_config');
  }
  return checkFunctionName(fn, mode);
}
