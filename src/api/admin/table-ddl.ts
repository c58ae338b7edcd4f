/**
 * Table DDL (contract: shared/seeds/selfhosted-admin-api.md, "Tables" and "Table Columns"):
 * POST /table/create, DELETE /table/:tableName, POST /table/:tableName/clone,
 * POST /table/:tableName/column. Each runs in one transaction; the statements come from the
 * DDL builder (src/api/ddl/), onto whose model the admin's column definitions are mapped.
 */
import { Router, type Request } from 'express';
import pg from 'pg';
import { z } from 'zod';
import { fail } from '../../shared/errors.ts';
import { qualified, quoteIdent } from '../../shared/sql/ident.ts';
import type { Services } from '../services.ts';
import { createTable, createTableLike, dropTable } from '../ddl/table-ddl.ts';
import { addColumn } from '../ddl/column-ddl.ts';
import { adminColumn, columnInput } from './column-definition.ts';
import { postgresInputError } from './postgres-input-error.ts';
import { findTable, nameField, newName, parseAdminBody, queryOf, requireTable, schemaTransaction, targetSchema } from './table-target.ts';
import { pgErrorKind } from '../../shared/db/sqlstate.ts';

const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;

const COLUMNS = 'columns must be a non-empty array of column definitions';
const DATA_TYPE = 'dataType is required (e.g. text, integer, varchar)';

/** Bodies of the DDL routes (validated here, documented in src/api/openapi/admin-api.ts); names are checked by newName. */
const columnList = <T extends z.ZodType>(element: T) => z.array(element, { error: COLUMNS }).min(1, COLUMNS).max(1600, 'A table has at most 1600 columns');
export const createTableBody = z.object({
  tableName: nameField('The new table'),
  columns: columnList(columnInput.extend({ name: nameField('Column name') })),
});
/** The list is checked here; each definition by columnSql, with columnInput. */
const createTableList = z.object({ columns: columnList(z.unknown()) });
export const cloneTableBody = z.object({
  newTableName: nameField('The copy'),
  copyData: z.boolean({ error: 'copyData must be a boolean' }).optional(),
});
export const addColumnBody = z.object({
  columnName: nameField('The new column'),
  dataType: z.string({ error: DATA_TYPE }).refine((t) => t.trim() !== '', DATA_TYPE),
  length: columnInput.shape.length,
  nullable: columnInput.shape.nullable,
  defaultValue: columnInput.shape.defaultValue,
});
const tableExists = (schema: string, name: string) => fail('TABLE_EXISTS', `Table "${name}" already exists in schema "${schema}"`);

export function tableDdlRoutes(s: Services): Router {
  const r = Router();

  r.post('/table/create', async (req, res) => {
    const b = body(req);
    const schema = await targetSchema(s.pool, req);
    const table = newName(b.tableName, 'tableName');
    const { columns } = parseAdminBody(createTableList, b);
    if (await findTable(s.pool, schema, table, false)) throw tableExists(schema, table);
    try {
      await schemaTransaction(s, schema, async (c) => {
        const cols = [];
        for (const col of columns) cols.push(await adminColumn(c, col));
        const seen = new Set<string>();
        for (const { spec } of cols) {
          if (seen.has(spec.name)) throw fail('VALIDATION_ERROR', `Column "${spec.name}" is defined twice`);
          seen.add(spec.name);
        }
        const primaryKey = cols.filter((x) => x.primaryKey).map((x) => x.spec.name);
        for (const sql of createTable({ schema, name: table, columns: cols.map((x) => x.spec), primaryKey })) await c.query(sql);
      });
    } catch (e) {
      if (pgErrorKind(e) === 'duplicate_table') throw tableExists(schema, table);
      throw postgresInputError(e, `Cannot create table "${table}": `);
    }
    res.status(201).json({ success: true, message: `Table "${table}" created successfully` });
  });

  r.delete('/table/:tableName', async (req, res) => {
    const schema = await targetSchema(s.pool, req);
    const table = await requireTable(s.pool, schema, req.params.tableName);
    const cascade = queryOf(req).get('cascade') === 'true';
    try {
      await schemaTransaction(s, schema, async (c) => {
        for (const sql of dropTable(schema, table.name, cascade)) await c.query(sql);
      });
    } catch (e) {
      if (e instanceof pg.DatabaseError && pgErrorKind(e) === 'dependent_objects') {
        // detail lists the dependents, e.g. "view v depends on table t".
        throw fail('TABLE_HAS_DEPENDENTS', `Cannot delete table "${table.name}": other objects depend on it${e.detail ? ` (${e.detail.replace(/\n/g, '; ')})` : ''}. Delete them first or use ?cascade=true`);
      }
      throw postgresInputError(e);
    }
    res.json({ success: true, message: `Table "${table.name}" deleted successfully` });
  });

  r.post('/table/:tableName/clone', async (req, res) => {
    const b = body(req);
    const schema = await targetSchema(s.pool, req);
    const target = newName(b.newTableName, 'newTableName');
    const { copyData: copy } = parseAdminBody(cloneTableBody, b);
    const source = await requireTable(s.pool, schema, req.params.tableName);
    if (await findTable(s.pool, schema, target, false)) throw tableExists(schema, target);
    const copyData = copy === true;
    try {
      await schemaTransaction(s, schema, async (c) => {
        for (const sql of createTableLike(schema, target, { schema, name: source.name })) await c.query(sql);
        if (!copyData) return;
        // Generated columns are computed again; identity values are kept, and their new sequences moved past them.
        const cols = source.columns.filter((x) => !x.generated);
        const list = cols.map((x) => quoteIdent(x.name)).join(', ');
        await c.query(`INSERT INTO ${qualified(schema, target)} (${list}) OVERRIDING SYSTEM VALUE SELECT ${list} FROM ${qualified(schema, source.name)}`);
        for (const col of cols.filter((x) => x.identity)) {
          await c.query(
            `SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence($1, $2), coalesce((SELECT max(${quoteIdent(col.name)}) FROM ${qualified(schema, target)}), 0) + 1, false)`,
            [qualified(schema, target), col.name],
          );
        }
      });
    } catch (e) {
      if (pgErrorKind(e) === 'duplicate_table') throw tableExists(schema, target);
      throw postgresInputError(e, `Cannot clone table "${source.name}": `);
    }
    res.status(201).json({ success: true, message: `Table "${target}" created successfully${copyData ? ' with data' : ''}` });
  });

  r.post('/table/:tableName/column', async (req, res) => {
    const b = body(req);
    const schema = await targetSchema(s.pool, req);
    const table = await requireTable(s.pool, schema, req.params.tableName);
    const name = newName(b.columnName, 'columnName');
    const { dataType } = parseAdminBody(addColumnBody.pick({ dataType: true }), b);
    if (table.columns.some((x) => x.name === name)) throw fail('COLUMN_EXISTS', `Column "${name}" already exists in table "${table.name}"`);
    try {
      await schemaTransaction(s, schema, async (c) => {
        const col = await adminColumn(c, { name, type: dataType, length: b.length, nullable: b.nullable, defaultValue: b.defaultValue }, 'columnName');
        for (const sql of addColumn({ schema, name: table.name }, col.spec)) await c.query(sql);
      });
    } catch (e) {
      if (pgErrorKind(e) === 'duplicate_column') throw fail('COLUMN_EXISTS', `Column "${name}" already exists in table "${table.name}"`);
      throw postgresInputError(e, `Cannot add column "${name}": `);
    }
    res.status(201).json({ success: true, message: `Column "${name}" added to table "${table.name}" successfully` });
  });

  return r;
}
