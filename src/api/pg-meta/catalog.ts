import type pg from 'pg';
import { fail } from '../../shared/errors.ts';
import { pgMetaSql as sql } from './sql/index.ts';
import { renderListing, type CatalogQuery, type ListingFilter } from './listing.ts';

/**
 * The catalog objects the Postgres Admin API lists and gets by id: which query, which
 * column holds the schema and the id, and what the object is called in messages.
 */
export interface CatalogObject extends CatalogQuery {
  idColumn: string;
  /** "a table", as in postgres-meta's "Cannot find a table with ID 1". */
  label: string;
}

const obj = (sqlText: string, label: string, idColumn: string, order: string[], schemaColumn?: string): CatalogObject => ({
  sql: sqlText,
  label,
  idColumn,
  order,
  schemaColumn,
});

export const catalogObjects = {
  schemas: obj(sql.schemas, 'a schema', 'id', ['name'], 'name'),
  tables: obj(sql.tables, 'a table', 'id', ['schema', 'name'], 'schema'),
  columns: obj(sql.columns, 'a column', 'id', ['schema', 'table', 'ordinal_position'], 'schema'),
  types: obj(sql.types, 'a type', 'id', ['schema', 'name'], 'schema'),
  functions: obj(sql.functions, 'a function', 'id', ['schema', 'name', 'id'], 'schema'),
  policies: obj(sql.policies, 'a policy', 'id', ['schema', 'table', 'name'], 'schema'),
  triggers: obj(sql.triggers, 'a trigger', 'id', ['schema', 'table', 'name'], 'schema'),
  roles: obj(sql.roles, 'a role', 'id', ['name']),
  views: obj(sql.views, 'a view', 'id', ['schema', 'name'], 'schema'),
  materializedViews: obj(sql.materializedViews, 'a materialized view', 'id', ['schema', 'name'], 'schema'),
  foreignTables: obj(sql.foreignTables, 'a foreign table', 'id', ['schema', 'name'], 'schema'),
  indexes: obj(sql.indexes, 'an index', 'id', ['schema', 'name'], 'schema'),
  publications: obj(sql.publications, 'a publication', 'id', ['name']),
  extensions: obj(sql.extensions, 'an extension', 'name', ['name']),
  tablePrivileges: obj(sql.tablePrivileges, 'a relation', 'relation_id', ['schema', 'name'], 'schema'),
  columnPrivileges: obj(sql.columnPrivileges, 'a column', 'column_id', ['relation_schema', 'relation_name', 'column_id'], 'relation_schema'),
} satisfies Record<string, CatalogObject>;

export type CatalogName = keyof typeof catalogObjects;
export type Row = Record<string, unknown>;

/** Anything that runs a query: a pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

export async function listCatalog(db: Queryable, name: CatalogName, filter: ListingFilter): Promise<Row[]> {
  const q = renderListing(catalogObjects[name], filter);
  const { rows } = await db.query<{ rows: Row[] }>(q.text, q.values);
  return rows[0]?.rows ?? [];
}

/** One object by its id, whatever schema it is in; null when there is none. */
export async function findById(db: Queryable, name: CatalogName, id: string | number): Promise<Row | null> {
  const o = catalogObjects[name];
  const rows = await listCatalog(db, name, { includeSystemSchemas: true, equals: { [o.idColumn]: id }, limit: 1 });
  return rows[0] ?? null;
}

/** One object by its id, or 404 in postgres-meta's words. */
export async function getById(db: Queryable, name: CatalogName, id: string | number): Promise<Row> {
  const row = await findById(db, name, id);
  if (!row) throw fail('NOT_FOUND', `Cannot find ${catalogObjects[name].label} with ID ${id}`);
  return row;
}

/** Attaches each relation's columns (tables, views, materialized views, foreign tables). */
export async function withColumns(db: Queryable, rows: Row[]): Promise<Row[]> {
  if (!rows.length) return rows;
  const columns = await listCatalog(db, 'columns', { includeSystemSchemas: true, oneOf: { table_id: rows.map((r) => String(r.id)) } });
  const byTable = new Map<string, Row[]>();
  for (const c of columns) {
    const k = String(c.table_id);
    const list = byTable.get(k);
    if (list) list.push(c);
    else byTable.set(k, [c]);
  }
  return rows.map((r) => ({ ...r, columns: byTable.get(String(r.id)) ?? [] }));
}
