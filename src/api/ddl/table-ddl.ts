/**
 * Tables: CREATE (with columns, a primary key and comments), ALTER (RLS, replica identity,
 * primary key, comment, name, schema) and DROP, from one typed model that the Admin API and
 * the Postgres Admin API both map their requests onto. Each function returns the statements
 * to run, in order, in one transaction.
 */
import { qualified, quoteIdent as id } from '../../shared/sql/ident.ts';
import { columnComment, columnDefinition, type ColumnSpec } from './column-ddl.ts';
import { bad, commentOn, dropBehaviour } from './clauses.ts';

export interface TableSpec {
  schema: string;
  name: string;
  columns: ColumnSpec[];
  /** A table-level primary key over these columns (empty or absent: none). */
  primaryKey?: string[];
  comment?: string;
}

export function createTable(b: TableSpec): string[] {
  const t = qualified(b.schema, b.name);
  const parts = [...b.columns.map(columnDefinition), ...(b.primaryKey?.length ? [`PRIMARY KEY (${b.primaryKey.map(id).join(', ')})`] : [])];
  return [
    parts.length ? `CREATE TABLE ${t} (\n  ${parts.join(',\n  ')}\n)` : `CREATE TABLE ${t} ()`,
    ...(b.comment !== undefined ? [commentOn(`TABLE ${t}`, b.comment)] : []),
    ...b.columns.flatMap((c) => columnComment(t, c)),
  ];
}

/** A new table with another's columns, defaults, constraints, indexes, identities and comments. */
export const createTableLike = (schema: string, name: string, source: { schema: string; name: string }) => [
  `CREATE TABLE ${qualified(schema, name)} (LIKE ${qualified(source.schema, source.name)} INCLUDING ALL)`,
];

export interface TableChange {
  name?: string;
  schema?: string;
  rls?: { enabled?: boolean; forced?: boolean };
  replicaIdentity?: { kind: 'DEFAULT' | 'FULL' | 'NOTHING' } | { kind: 'INDEX'; index?: string };
  /** Replaces the primary key (empty: drops it). */
  primaryKey?: string[];
  comment?: string;
}

/** `pkConstraint`: the name of the table's current primary key constraint, if any. */
export function updateTable(cur: { schema: string; name: string; pkConstraint: string | null }, b: TableChange): string[] {
  const t = qualified(cur.schema, cur.name);
  const out: string[] = [];
  if (b.rls?.enabled !== undefined) out.push(`ALTER TABLE ${t} ${b.rls.enabled ? 'ENABLE' : 'DISABLE'} ROW LEVEL SECURITY`);
  if (b.rls?.forced !== undefined) out.push(`ALTER TABLE ${t} ${b.rls.forced ? 'FORCE' : 'NO FORCE'} ROW LEVEL SECURITY`);
  if (b.replicaIdentity !== undefined) {
    const r = b.replicaIdentity;
    if (r.kind === 'INDEX') {
      if (!r.index) throw bad('replica_identity INDEX needs replica_identity_index');
      out.push(`ALTER TABLE ${t} REPLICA IDENTITY USING INDEX ${id(r.index)}`);
    } else out.push(`ALTER TABLE ${t} REPLICA IDENTITY ${r.kind}`);
  }
  if (b.primaryKey !== undefined) {
    if (cur.pkConstraint) out.push(`ALTER TABLE ${t} DROP CONSTRAINT ${id(cur.pkConstraint)}`);
    if (b.primaryKey.length) out.push(`ALTER TABLE ${t} ADD PRIMARY KEY (${b.primaryKey.map(id).join(', ')})`);
  }
  if (b.comment !== undefined) out.push(commentOn(`TABLE ${t}`, b.comment));
  let name = cur.name;
  if (b.name && b.name !== cur.name) {
    out.push(`ALTER TABLE ${t} RENAME TO ${id(b.name)}`);
    name = b.name;
  }
  if (b.schema && b.schema !== cur.schema) out.push(`ALTER TABLE ${qualified(cur.schema, name)} SET SCHEMA ${id(b.schema)}`);
  return out;
}

export const dropTable = (schema: string, name: string, cascade?: boolean) => [`DROP TABLE ${qualified(schema, name)} ${dropBehaviour(cascade)}`];
