/**
 * Which schema and table an admin table request is about: the schema from the body or
 * ?schema= (default public, system schemas refused, must exist), the table looked up in
 * the catalog (its kind, columns and primary key). Names of existing objects are never
 * pattern-checked: they are matched against the catalog and quoted; only names of objects
 * about to be created must be plain identifiers (`newName`).
 */
import { z } from 'zod';
import type { Request } from 'express';
import type pg from 'pg';
import { isSystemSchema } from '../../shared/sql/system-schemas.ts';
import { fail } from '../../shared/errors.ts';
import { catalog } from '../../shared/catalog/index.ts';
import { quoteIdent } from '../../shared/sql/ident.ts';
import { withTransaction } from '../../shared/db/pool.ts';
import type { Services } from '../services.ts';
import { projectOwner } from '../../shared/tenants/schema-tenants.ts';

/** Schemas the admin table endpoints never touch. */
/** What CREATE may name: letters, digits and underscores, not starting with a digit, at most 63 (PostgreSQL's limit). */
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export interface ColumnShape {
  name: string;
  /** Type as SQL with its modifiers, e.g. character varying(20). */
  type: string;
  /** Type as SQL without modifiers (for casts that must not truncate). */
  baseType: string;
  /** pg_type.typname and typcategory (the data engine's renderer reads them). */
  udt: string;
  category: string;
  nullable: boolean;
  generated: boolean;
  identity: boolean;
  /** GENERATED ALWAYS AS IDENTITY. */
  identityAlways: boolean;
  /** 1-based position in the primary key, null when not part of it. */
  pk: number | null;
}

export interface TableShape {
  oid: number;
  schema: string;
  name: string;
  relkind: string;
  columns: ColumnShape[];
  /** Primary-key columns in key order (empty: none). */
  pk: ColumnShape[];
}

/** The request's query string (each surface parses its own, see app.ts). */
export const queryOf = (req: Request) => new URLSearchParams(req.originalUrl.split('?')[1] ?? '');

/** The schema a request names (body `schema`, else ?schema=, else public), checked to exist and not be a system one. */
export async function targetSchema(pool: pg.Pool, req: Request): Promise<string> {
  const fromBody = (req.body as { schema?: unknown } | undefined)?.schema;
  const raw = fromBody ?? queryOf(req).get('schema') ?? 'public';
  if (typeof raw !== 'string' || raw === '') throw fail('INVALID_SCHEMA', 'schema must be a non-empty string');
  const name = raw;
  if (name.length > 63) throw fail('INVALID_SCHEMA', `Invalid schema name '${name.slice(0, 63)}…': longer than 63 characters`);
  if (isSystemSchema(name)) throw fail('INVALID_SCHEMA', `'${name}' is a system schema; the admin table endpoints do not serve it`);
  if (name.includes('\0')) throw fail('INVALID_SCHEMA', 'schema contains a NUL byte');
  const { rows } = await pool.query<{ exists: boolean }>(catalog.schemaExists, [name]);
  if (!rows[0]?.exists) throw fail('INVALID_SCHEMA', `Schema '${name}' does not exist`);
  return name;
}

/** A name for something about to be created; `what` names the field in the message. */
/**
 * A name newName checks, in a body schema: any value passes zod (newName gives the message,
 * after the checks that come first), documented as the string it must be.
 */
export const nameField = (description: string) =>
  z.unknown().meta({ description, override: { type: 'string', pattern: PLAIN_NAME.source, maxLength: 63 } });

/** A route's body through its zod schema; the issues' messages as one VALIDATION_ERROR. */
export function parseAdminBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw fail('VALIDATION_ERROR', parsed.error.issues.map((i) => i.message).join('; '));
  return parsed.data;
}

export function newName(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw fail('VALIDATION_ERROR', `${what} is required`);
  if (!PLAIN_NAME.test(value)) {
    throw fail('VALIDATION_ERROR',
      `${what} '${value.slice(0, 70)}' is not valid: use letters, digits and underscores, start with a letter or underscore, at most 63 characters`,
    );
  }
  return value;
}

/** The relation, or undefined. `tablesOnly` limits it to plain and partitioned tables. */
export async function findTable(pool: pg.Pool | pg.PoolClient, schema: string, name: string, tablesOnly = true): Promise<TableShape | undefined> {
  if (name.includes('\0') || name.length > 63) return undefined;
  const { rows } = await pool.query<{ oid: string; relkind: string; columns: ColumnShape[] }>(catalog.relationShape, [schema, name]);
  const row = rows[0];
  if (!row || (tablesOnly && row.relkind !== 'r' && row.relkind !== 'p')) return undefined;
  const pk = row.columns.filter((c) => c.pk !== null).sort((a, b) => a.pk! - b.pk!);
  return { oid: Number(row.oid), schema, name, relkind: row.relkind, columns: row.columns, pk };
}

/** Like findTable, but 404 TABLE_NOT_FOUND when it is not there. */
export async function requireTable(pool: pg.Pool | pg.PoolClient, schema: string, name: string, tablesOnly = true): Promise<TableShape> {
  const t = await findTable(pool, schema, name, tablesOnly);
  if (!t) throw fail('TABLE_NOT_FOUND', `Table "${name}" does not exist in schema "${schema}"`);
  return t;
}

/** A stable row order for paging and export: the primary key, else (plain tables) physical order. */
export function rowOrder(t: TableShape): string {
  if (t.pk.length) return ` ORDER BY ${t.pk.map((c) => quoteIdent(c.name)).join(', ')}`;
  return t.relkind === 'r' ? ' ORDER BY ctid' : '';
}


/**
 * One transaction on a schema's objects (DDL, row writes, paging), whose search_path is the
 * schema, then public (so its own types resolve as the DDL will use them). In a project
 * schema (POST /api/schema/create) everything runs in the tenant's own session as its owner (src/shared/tenants/tenant-pools.ts): new tables
 * are owned by it, and its triggers, defaults and generated columns run with its rights,
 * never the server's. Other schemas belong to the operator and use the server's session.
 */
export async function schemaTransaction<T>(s: Pick<Services, 'pool' | 'tenantPools'>, schema: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const owner = await projectOwner(s.pool, schema);
  if (owner) return s.tenantPools.asOwner(schema, fn, owner);
  return withTransaction(s.pool, fn, async (c) => {
    await c.query(`SELECT pg_catalog.set_config('search_path', pg_catalog.quote_ident($1) || ', public', true)`, [schema]);
  });
}
