/**
 * Table data and rows (contract: shared/seeds/selfhosted-admin-api.md, "Tables" and "Table Rows"):
 * GET /tables, GET /table/:tableName (paged), POST /table/:tableName/row,
 * PATCH /table/:tableName/:rowId, DELETE /table/:tableName/row/:rowId,
 * POST /table/:tableName/rows/delete.
 *
 * Rows are built as JSON in SQL (json_agg) and spliced into the answer as text, so
 * PostgreSQL's types reach the client unrounded (bigint, numeric). Writes are rendered by the
 * data engine (engine/render/mutate.ts) from a typed mutation: values travel as one JSON
 * parameter, column names are checked against the catalog and quoted.
 *
 * A row id is the value of the table's primary key, whatever its name and type: the text
 * is read server-side as the key column's type. For a composite key the id is a
 * JSON array of the key's values in key order (e.g. /table/t/[1,"a"], URL-encoded, or
 * rowIds: [[1,"a"], [2,"b"]]). A table without a primary key has no row ids: 400.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { fail } from '../../shared/errors.ts';
import { catalog } from '../../shared/catalog/index.ts';
import { qualified } from '../../shared/sql/ident.ts';
import type { Column, Table } from '../schema-cache/model.ts';
import { KINDS } from '../schema-cache/build.ts';
import type { PlanCond, PlanField, ReadPlan } from '../engine/plan/types.ts';
import { renderMutation, type Mutation } from '../engine/render/mutate.ts';
import type { Services } from '../services.ts';
import { postgresInputError } from './postgres-input-error.ts';
import { parseAdminBody, queryOf, requireTable, rowOrder, schemaTransaction, targetSchema, type ColumnShape, type TableShape } from './table-target.ts';

export const PAGE_LIMIT_DEFAULT = 50;
export const PAGE_LIMIT_MAX = 1000;
/** Most ids one bulk delete takes. */
export const BULK_DELETE_MAX = 10_000;

const sendJsonText = (res: Response, status: number, text: string) => res.status(status).type('application/json').send(text);

const ROW_DATA = 'data must be an object of column: value pairs';
const ROW_IDS = 'rowIds must be a non-empty array of row ids';
const COLUMN = 'column is required';

/** Bodies of the row routes (validated here, documented in src/api/openapi/admin-api.ts). */
export const insertRowBody = z.object({ data: z.record(z.string(), z.unknown(), { error: ROW_DATA }).meta({ description: 'column: value' }) });
export const updateCellBody = z.object({
  column: z.string({ error: COLUMN }).min(1, COLUMN),
  // Required (checked by the route, whose message says what null does); any JSON value.
  value: z.unknown().meta({ description: 'The new value; null sets NULL' }),
});
export const deleteRowsBody = z.object({
  rowIds: z.array(z.unknown(), { error: ROW_IDS }).min(1, ROW_IDS).max(BULK_DELETE_MAX, `rowIds takes at most ${BULK_DELETE_MAX} ids`),
});

/** A positive integer query parameter, or the default. */
export function positiveInt(raw: string | null, name: string, dflt: number, max: number): number {
  if (raw === null || raw === '') return dflt;
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) throw fail('VALIDATION_ERROR', `${name} must be a positive integer, got '${raw.slice(0, 30)}'`);
  const n = Number(raw);
  if (n > max) throw fail('VALIDATION_ERROR', `${name} must be at most ${max}, got ${n}`);
  return n;
}

/** The key's values (as text) for one row id, in primary-key order. */
export function rowKey(table: TableShape, id: unknown): string[] {
  const pk = table.pk;
  if (pk.length === 0) {
    throw fail('NO_PRIMARY_KEY', `Table "${table.name}" has no primary key, so its rows cannot be addressed by id`);
  }
  const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  if (pk.length === 1) {
    const v = Array.isArray(id) && id.length === 1 ? id[0] : id;
    if (!scalar(v) || v === '') throw fail('VALIDATION_ERROR', `A row id must be a value of the primary key "${pk[0].name}" (${pk[0].baseType})`);
    return [String(v)];
  }
  let values = id;
  if (typeof id === 'string') {
    try {
      values = JSON.parse(id);
    } catch {
      values = undefined;
    }
  }
  if (!Array.isArray(values) || values.length !== pk.length || !values.every(scalar)) {
    const names = pk.map((c) => c.name).join(', ');
    throw fail('VALIDATION_ERROR',
      `Table "${table.name}" has a composite primary key (${names}): give a row id as a JSON array of ${pk.length} values in that order, e.g. [${pk.map((_, i) => i + 1).join(',')}]`,
    );
  }
  return values.map(String);
}

/** The relation as the data engine's renderer models it (no representations: the admin writes plain values). */
export function engineTable(t: TableShape): Table {
  const columns: Column[] = t.columns.map((c, i) => ({
    name: c.name,
    position: i + 1,
    type: c.type,
    udt: c.udt,
    elementUdt: null,
    category: c.category,
    nullable: c.nullable,
    // Read only for Prefer: missing=default, which the admin never asks for.
    default: null,
    generated: c.generated,
    identityAlways: c.identityAlways,
    comment: null,
    maxLength: null,
    enum: null,
  }));
  return {
    oid: t.oid,
    schema: t.schema,
    name: t.name,
    kind: KINDS[t.relkind],
    comment: null,
    pk: t.pk.map((c) => c.name),
    insertable: true,
    updatable: true,
    deletable: true,
    columns,
    columnsByName: new Map(columns.map((c) => [c.name, c])),
  };
}

const field = (t: Table, name: string): PlanField => ({ column: t.columnsByName.get(name), name, jsonPath: [] });
const eq = (t: Table, name: string, value: string): PlanCond => ({ kind: 'filter', field: field(t, name), negated: false, expr: { kind: 'simple', op: 'eq', value } });

/**
 * The rows with these keys (each in primary-key order): `pk = $n` (AND …) for one key,
 * `pk = ANY($n)` for many of a one-column key, `(a, b) IN (…)` for many composite ones (an OR
 * of equalities plans 20-50 times slower at 1,000 keys). The values are text parameters that
 * PostgreSQL reads as the key columns' types.
 */
export function keyCondition(t: Table, keys: string[][]): PlanCond {
  if (keys.length === 1) return { kind: 'and', negated: false, children: t.pk.map((c, i) => eq(t, c, keys[0][i])) };
  if (t.pk.length === 1) return { kind: 'filter', field: field(t, t.pk[0]), negated: false, expr: { kind: 'in', values: keys.map((k) => k[0]) } };
  return { kind: 'row-in', table: t, columns: t.pk, rows: keys };
}

/** The whole row, as the data API returns a representation. */
const wholeRow = (t: Table): ReadPlan => ({
  table: t,
  alias: 'pgrst_row',
  fields: t.columns.map((c) => ({ field: field(t, c.name), outName: c.name })),
  embeds: [],
  where: [],
  order: [],
  offset: 0,
});

/**
 * Runs one write rendered by the data engine (render/mutate.ts) in the schema's own transaction
 * (schemaTransaction: the tenant's session in a project schema): the rows it touched and, when
 * asked, the first one as JSON text built by PostgreSQL (so bigint and numeric arrive unrounded).
 */
async function writeRows(s: Services, t: Table, m: Mutation, returnRow: boolean): Promise<{ count: number; row: string }> {
  const { sql, params } = renderMutation(t, m, wholeRow(t), { representation: returnRow, format: 'object', stripNulls: false });
  const { rows } = await schemaTransaction(s, t.schema, (c) => c.query<{ page_total: string; body: string }>(sql, params));
  return { count: Number(rows[0].page_total), row: rows[0].body };
}

function columnOf(table: TableShape, name: unknown): ColumnShape {
  if (typeof name !== 'string' || name === '') throw fail('VALIDATION_ERROR', 'column is required');
  const col = table.columns.find((c) => c.name === name);
  if (!col) throw fail('COLUMN_NOT_FOUND', `Column "${name.slice(0, 63)}" does not exist in table "${table.name}"`);
  return col;
}

export function tableRowRoutes(s: Services): Router {
  const r = Router();
  const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;

  r.get('/tables', async (req, res) => {
    const schema = await targetSchema(s.pool, req);
    const { rows } = await s.pool.query<{ name: string }>(catalog.tableNames, [schema]);
    res.json(rows.map((x) => x.name));
  });

  r.get('/table/:tableName', async (req, res) => {
    const schema = await targetSchema(s.pool, req);
    const q = queryOf(req);
    const page = positiveInt(q.get('page'), 'page', 1, 1e12);
    const limit = positiveInt(q.get('limit'), 'limit', PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX);
    // Views and materialized views can be paged through too.
    const table = await requireTable(s.pool, schema, req.params.tableName, false);
    const order = rowOrder(table);
    const rel = qualified(schema, table.name);
    // Views run their owner's functions: in a project schema, as the tenant (see schemaTransaction).
    const { rows } = await schemaTransaction(s, schema, (c) => c.query<{ total: string; data: string }>(
      `SELECT (SELECT count(*) FROM ${rel})::text AS total,
              (SELECT coalesce(json_agg(x), '[]')::text FROM (SELECT * FROM ${rel}${order} LIMIT $1 OFFSET $2) x) AS data`,
      [limit, (page - 1) * limit],
    ));
    const columns = JSON.stringify(table.columns.map((c) => c.name));
    sendJsonText(res, 200, `{"data":${rows[0].data},"columns":${columns},"total":${rows[0].total},"page":${page}}`);
  });

  r.post('/table/:tableName/row', async (req, res) => {
    const b = body(req);
    const schema = await targetSchema(s.pool, req);
    const table = await requireTable(s.pool, schema, req.params.tableName);
    const { data } = parseAdminBody(insertRowBody, b);
    const columns = Object.keys(data).map((k) => columnOf(table, k).name);
    let row: string;
    try {
      // JSON values go in as the body of a data API insert: json columns take them whole.
      ({ row } = await writeRows(s, engineTable(table), { kind: 'insert', columns, json: JSON.stringify([data]), rowCount: 1, applyDefaults: false }, true));
    } catch (e) {
      throw postgresInputError(e, 'Cannot insert the row: ');
    }
    sendJsonText(res, 201, `{"success":true,"row":${row},"message":"Row inserted successfully"}`);
  });

  r.patch('/table/:tableName/:rowId', async (req, res) => {
    const b = body(req);
    const schema = await targetSchema(s.pool, req);
    const table = await requireTable(s.pool, schema, req.params.tableName);
    const key = rowKey(table, req.params.rowId);
    const col = columnOf(table, parseAdminBody(updateCellBody.pick({ column: true }), b).column);
    if (!('value' in b)) throw fail('VALIDATION_ERROR', 'value is required (null sets the cell to NULL)');
    let updated: { count: number; row: string };
    try {
      const t = engineTable(table);
      updated = await writeRows(s, t, { kind: 'update', columns: [col.name], json: JSON.stringify({ [col.name]: b.value }), where: [keyCondition(t, [key])], applyDefaults: false }, true);
    } catch (e) {
      throw postgresInputError(e, 'Cannot update the row: ');
    }
    if (!updated.count) throw fail('ROW_NOT_FOUND', `No row with id ${req.params.rowId} in table "${table.name}"`);
    sendJsonText(res, 200, `{"row":${updated.row}}`);
  });

  r.delete('/table/:tableName/row/:rowId', async (req, res) => {
    const schema = await targetSchema(s.pool, req);
    const table = await requireTable(s.pool, schema, req.params.tableName);
    const key = rowKey(table, req.params.rowId);
    let deleted: number;
    try {
      const t = engineTable(table);
      deleted = (await writeRows(s, t, { kind: 'delete', where: [keyCondition(t, [key])] }, false)).count;
    } catch (e) {
      throw postgresInputError(e, 'Cannot delete the row: ');
    }
    if (!deleted) throw fail('ROW_NOT_FOUND', `No row with id ${req.params.rowId} in table "${table.name}"`);
    res.json({ success: true, message: 'Row deleted successfully' });
  });

  r.post('/table/:tableName/rows/delete', async (req, res) => {
    const { rowIds } = parseAdminBody(deleteRowsBody, body(req));
    const schema = await targetSchema(s.pool, req);
    const table = await requireTable(s.pool, schema, req.params.tableName);
    const keys = rowIds.map((id) => rowKey(table, id));
    let deleted: number;
    try {
      const t = engineTable(table);
      deleted = (await writeRows(s, t, { kind: 'delete', where: [keyCondition(t, keys)] }, false)).count;
    } catch (e) {
      throw postgresInputError(e, 'Cannot delete the rows: ');
    }
    res.json({ success: true, deletedCount: deleted, message: `${deleted} row(s) deleted successfully` });
  });

  return r;
}
