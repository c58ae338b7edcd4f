/**
 * A column definition as Admin API users write it ({name, type, length, nullable, defaultValue}),
 * mapped onto the DDL builders' column model (src/api/ddl/column-ddl.ts) so that the SQL holds
 * nothing the user wrote verbatim:
 *  - the name must be a plain identifier and is quoted;
 *  - the type is resolved against pg_type with to_regtype (so VARCHAR, INTEGER, DECIMAL,
 *    int[], timestamptz, a schema's own enum … all work) and spelled by format_type;
 *    modifiers (`length`, or NAME(n) / NAME(p,s) in the type) are integers, applied by the
 *    type's own typmod function, so PostgreSQL validates them;
 *  - a default is a VALUE: PostgreSQL itself checks it casts to the type ($1::text::type,
 *    the value a bind parameter); the builder renders it as a literal (quoteLiteral), as
 *    CREATE TABLE takes no parameters.
 *    A short list of well-known expressions (now(), current_timestamp, gen_random_uuid(), …)
 *    is recognised by exact match for date/time and uuid columns and written by this file.
 * Runs on the DDL's own client, after its search_path is set, so types resolve as the DDL will.
 */
import { z } from 'zod';
import type pg from 'pg';
import { fail } from '../../shared/errors.ts';
import { catalog } from '../../shared/catalog/index.ts';
import { newName } from './table-target.ts';
import type { ColumnDefault, ColumnSpec } from '../ddl/column-ddl.ts';
import { trustedSql } from '../ddl/sql-fragments.ts';

export const columnInput = z.object({
  name: z.unknown(),
  type: z.string({ error: 'type is required (e.g. text, integer, varchar)' }).trim().min(1, 'type is required').max(128, 'type is too long'),
  length: z.number({ error: 'length must be a number' }).int('length must be an integer').min(1, 'length must be at least 1').nullable().optional(),
  primaryKey: z.boolean({ error: 'primaryKey must be a boolean' }).optional(),
  nullable: z.boolean({ error: 'nullable must be a boolean' }).optional(),
  defaultValue: z.unknown().optional(),
});
export type ColumnInput = z.infer<typeof columnInput>;

/** The column, and whether it belongs to the table's primary key (declared once for all its columns). */
export interface AdminColumn {
  spec: ColumnSpec;
  primaryKey: boolean;
}

const SERIALS: Record<string, string> = { smallserial: 'smallserial', serial2: 'smallserial', serial: 'serial', serial4: 'serial', bigserial: 'bigserial', serial8: 'bigserial' };
/** NAME(n) or NAME(p,s), then array brackets. */
const WITH_MODIFIERS = /^(.+?)\s*\(\s*(\d{1,9})\s*(?:,\s*(\d{1,9})\s*)?\)\s*((?:\[\s*\d*\s*\]\s*)*)$/;
/** time(3) with time zone, timestamp(6) without time zone. */
const TIME_WITH_PRECISION = /^(time|timestamp)\s*\(\s*(\d{1,9})\s*\)\s+(with|without)\s+time\s+zone\s*((?:\[\s*\d*\s*\]\s*)*)$/i;
/** Expression defaults recognised by exact match, with the type categories they fit. */
const EXPRESSIONS: Record<string, { sql: string; fits: (t: { category: string; sql: string }) => boolean }> = {
  'now()': { sql: 'now()', fits: (t) => t.category === 'D' },
  current_timestamp: { sql: 'CURRENT_TIMESTAMP', fits: (t) => t.category === 'D' },
  current_date: { sql: 'CURRENT_DATE', fits: (t) => t.category === 'D' },
  current_time: { sql: 'CURRENT_TIME', fits: (t) => t.category === 'D' },
  localtimestamp: { sql: 'LOCALTIMESTAMP', fits: (t) => t.category === 'D' },
  'gen_random_uuid()': { sql: 'gen_random_uuid()', fits: (t) => t.sql === 'uuid' },
};

const invalidType = (msg: string) => fail('INVALID_TYPE', msg);

/** Splits the written type into the name to resolve and its numeric modifiers. */
export function splitType(written: string): { name: string; mods: number[] } {
  const t = TIME_WITH_PRECISION.exec(written);
  if (t) return { name: `${t[1]} ${t[3]} time zone${t[4].replace(/\s+/g, '')}`, mods: [Number(t[2])] };
  const m = WITH_MODIFIERS.exec(written);
  if (m) return { name: `${m[1]}${m[4].replace(/\s+/g, '')}`, mods: [Number(m[2]), ...(m[3] !== undefined ? [Number(m[3])] : [])] };
  return { name: written, mods: [] };
}

/** The type's SQL spelling (with modifiers) and what the default logic needs to know of it. */
async function resolveType(c: pg.PoolClient, written: string, length: number | null | undefined, column: string) {
  const serial = SERIALS[written.toLowerCase()];
  if (serial) {
    if (length != null) throw invalidType(`Column "${column}": type ${written} takes no length`);
    return { sql: serial, baseSql: serial, category: 'N', serial: true };
  }
  const { name, mods: written_mods } = splitType(written);
  if (length != null && written_mods.length) throw invalidType(`Column "${column}": give the length either in the type or as length, not both`);
  const mods = length != null ? [length] : written_mods;
  let row: { oid: string; typtype: string; defined: boolean; category: string; sql: string; modin: string | null } | undefined;
  try {
    row = (await c.query(catalog.typeByName, [name])).rows[0];
  } catch (e) {
    // to_regtype answers NULL for an unknown name but raises on text that is no type name at all.
    throw invalidType(`Column "${column}": '${written}' is not a valid data type (${(e as Error).message})`);
  }
  if (!row) throw invalidType(`Column "${column}": unknown data type '${written}'`);
  if (row.typtype === 'p' || !row.defined) throw invalidType(`Column "${column}": '${written}' is a pseudo-type and cannot be a column type`);
  if (!mods.length) return { sql: row.sql, baseSql: row.sql, category: row.category, serial: false };
  if (!row.modin) throw invalidType(`Column "${column}": type ${row.sql} takes no length or modifiers`);
  try {
    // modin is the type's typmod input function, schema-qualified by the catalog, never named by the user.
    const { rows } = await c.query<{ sql: string }>(`SELECT pg_catalog.format_type($1::oid, ${row.modin}($2::text[]::cstring[])) AS sql`, [row.oid, mods.map(String)]);
    return { sql: rows[0].sql, baseSql: row.sql, category: row.category, serial: false };
  } catch (e) {
    throw invalidType(`Column "${column}": invalid modifiers for type ${row.sql}: ${(e as Error).message}`);
  }
}

/** The default, or undefined for none. */
async function columnDefault(c: pg.PoolClient, value: unknown, type: { sql: string; baseSql: string; category: string; serial: boolean }, column: string): Promise<ColumnDefault | undefined> {
  if (value === undefined || value === null) return undefined;
  if (type.serial) throw fail('VALIDATION_ERROR', `Column "${column}": a serial column takes no defaultValue (it uses its sequence)`);
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  const expression = EXPRESSIONS[text.trim().toLowerCase()];
  if (expression?.fits(type)) return { kind: 'expression', sql: trustedSql(expression.sql) };
  try {
    // The cast checks the value; baseSql comes from format_type, never from the request.
    await c.query(`SELECT ($1::text::${type.baseSql}) IS NULL AS checked`, [text]);
    return { kind: 'literal', value: text };
  } catch (e) {
    throw fail('VALIDATION_ERROR', `Column "${column}": defaultValue is not a valid ${type.baseSql}: ${(e as Error).message}`);
  }
}

/** One column; `c` must be the DDL's client (inside its transaction). */
export async function adminColumn(c: pg.PoolClient, raw: unknown, what = 'column name'): Promise<AdminColumn> {
  const parsed = columnInput.safeParse(raw ?? {});
  if (!parsed.success) throw fail('VALIDATION_ERROR', parsed.error.issues.map((i) => i.message).join('; '));
  const col = parsed.data;
  const name = newName(col.name, what);
  const type = await resolveType(c, col.type, col.length, name);
  const notNull = col.primaryKey || col.nullable === false;
  const def = await columnDefault(c, col.defaultValue, type, name);
  // type.sql is format_type's spelling (or a serial pseudo-type name), never the request's text.
  return { spec: { name, type: trustedSql(type.sql), default: def, nullable: notNull ? false : undefined }, primaryKey: col.primaryKey === true };
}
