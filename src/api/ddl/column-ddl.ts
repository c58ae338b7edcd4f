/**
 * Column definitions and changes, from one typed model that every surface maps its request
 * onto (the Admin API's column definitions, postgres-meta's column bodies). Names are quoted
 * here; types, expressions and CHECKs arrive already checked (CheckedSql); literal defaults
 * are quoted here.
 */
import { qualified, quoteIdent as id, quoteLiteral } from '../../shared/sql/ident.ts';
import type { CheckedSql } from './sql-fragments.ts';
import { commentOn, dropBehaviour } from './clauses.ts';

/** A DEFAULT: a value (a literal of the column's type), NULL, or a checked expression. */
export type ColumnDefault = { kind: 'literal'; value: string } | { kind: 'null' } | { kind: 'expression'; sql: CheckedSql };

export type IdentityGeneration = 'BY DEFAULT' | 'ALWAYS';

export interface ColumnSpec {
  name: string;
  type: CheckedSql;
  default?: ColumnDefault;
  identity?: IdentityGeneration;
  /** false: NOT NULL. */
  nullable?: boolean;
  /** A one-column primary key declared on the column (a table's composite key is TableSpec.primaryKey). */
  primaryKey?: boolean;
  unique?: boolean;
  check?: CheckedSql;
  comment?: string;
}

const defaultSql = (d: ColumnDefault) => (d.kind === 'null' ? 'NULL' : d.kind === 'literal' ? quoteLiteral(d.value) : d.sql);

/** `"name" type [GENERATED … AS IDENTITY] [DEFAULT …] [NOT NULL] [PRIMARY KEY] [UNIQUE] [CHECK …]`. */
export function columnDefinition(c: ColumnSpec): string {
  const parts = [`${id(c.name)} ${c.type}`];
  if (c.identity) parts.push(`GENERATED ${c.identity} AS IDENTITY`);
  if (c.default) parts.push(`DEFAULT ${defaultSql(c.default)}`);
  if (c.nullable === false) parts.push('NOT NULL');
  if (c.primaryKey) parts.push('PRIMARY KEY');
  if (c.unique) parts.push('UNIQUE');
  if (c.check) parts.push(`CHECK ${c.check}`);
  return parts.join(' ');
}

/** The COMMENT statement of a column, when its spec has one. */
export const columnComment = (table: string, c: ColumnSpec) => (c.comment !== undefined ? [commentOn(`COLUMN ${table}.${id(c.name)}`, c.comment)] : []);

export function addColumn(table: { schema: string; name: string }, c: ColumnSpec): string[] {
  const t = qualified(table.schema, table.name);
  return [`ALTER TABLE ${t} ADD COLUMN ${columnDefinition(c)}`, ...columnComment(t, c)];
}

export interface ColumnChange {
  name?: string;
  type?: CheckedSql;
  dropDefault?: boolean;
  default?: ColumnDefault;
  identity?: boolean;
  identityGeneration?: IdentityGeneration;
  nullable?: boolean;
  unique?: boolean;
  /** null or '': drop the column's CHECKs. */
  check?: CheckedSql | null;
  comment?: string;
}

/** The column as it is: its identity, and its one-column UNIQUE and CHECK constraints (which unique/check replace). */
export interface CurrentColumn {
  schema: string;
  table: string;
  name: string;
  identity: boolean;
  uniqueConstraints: string[];
  checkConstraints: string[];
}

export function updateColumn(cur: CurrentColumn, b: ColumnChange): string[] {
  const t = qualified(cur.schema, cur.table);
  const c = id(cur.name);
  const out: string[] = [];
  if (b.type !== undefined) out.push(`ALTER TABLE ${t} ALTER COLUMN ${c} SET DATA TYPE ${b.type} USING ${c}::${b.type}`);
  if (b.dropDefault) out.push(`ALTER TABLE ${t} ALTER COLUMN ${c} DROP DEFAULT`);
  else if (b.default !== undefined) out.push(`ALTER TABLE ${t} ALTER COLUMN ${c} SET DEFAULT ${defaultSql(b.default)}`);
  if (b.identity === false && cur.identity) out.push(`ALTER TABLE ${t} ALTER COLUMN ${c} DROP IDENTITY`);
  else if (b.identity === true && !cur.identity) out.push(`ALTER TABLE ${t} ALTER COLUMN ${c} ADD GENERATED ${b.identityGeneration ?? 'BY DEFAULT'} AS IDENTITY`);
  else if (b.identityGeneration && cur.identity) out.push(`ALTER TABLE ${t} ALTER COLUMN ${c} SET GENERATED ${b.identityGeneration}`);
  if (b.nullable !== undefined) out.push(`ALTER TABLE ${t} ALTER COLUMN ${c} ${b.nullable ? 'DROP' : 'SET'} NOT NULL`);
  if (b.unique === true && !cur.uniqueConstraints.length) out.push(`ALTER TABLE ${t} ADD UNIQUE (${c})`);
  if (b.unique === false) for (const k of cur.uniqueConstraints) out.push(`ALTER TABLE ${t} DROP CONSTRAINT ${id(k)}`);
  if (b.check !== undefined) {
    for (const k of cur.checkConstraints) out.push(`ALTER TABLE ${t} DROP CONSTRAINT ${id(k)}`);
    if (b.check) out.push(`ALTER TABLE ${t} ADD CHECK ${b.check}`);
  }
  if (b.comment !== undefined) out.push(commentOn(`COLUMN ${t}.${c}`, b.comment));
  if (b.name && b.name !== cur.name) out.push(`ALTER TABLE ${t} RENAME COLUMN ${c} TO ${id(b.name)}`);
  return out;
}

export const dropColumn = (schema: string, table: string, name: string, cascade?: boolean) => [
  `ALTER TABLE ${qualified(schema, table)} DROP COLUMN ${id(name)} ${dropBehaviour(cascade)}`,
];
