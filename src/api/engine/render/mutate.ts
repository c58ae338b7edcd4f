/**
 * Writes → one statement: the INSERT/UPDATE/DELETE in a CTE, and the response
 * (row count, representation with embeds, Location keys) built from its RETURNING.
 */
import { qualified, quoteIdent } from '../../../shared/sql/ident.ts';
import type { Table } from '../../schema-cache/model.ts';
import type { PlanCond, ReadPlan } from '../plan/types.ts';
import { condSql } from './conditions.ts';
import { Params } from './params.ts';
import { levelSql } from './read.ts';

export type Mutation =
  | {
      kind: 'insert';
      columns: string[];
      /** The rows as JSON text (an array). */
      json: string;
      rowCount: number;
      /** Per-row column defaults for keys a row lacks (Prefer: missing=default). */
      applyDefaults: boolean;
      onConflict?: { columns: string[]; action: 'update' | 'nothing' };
    }
  | { kind: 'update'; columns: string[]; json: string; where: PlanCond[]; applyDefaults: boolean }
  | { kind: 'delete'; where: PlanCond[] };

export interface MutateOptions {
  /** Build the representation body (return=representation). */
  representation: boolean;
  format: 'json' | 'object' | 'csv';
  stripNulls: boolean;
  /** Primary-key columns to return for the Location header. */
  locationKeys?: string[];
  /** Report whether any row was newly inserted (upserts: 201 or 200). */
  wantInserted?: boolean;
  /** The representation's body over `"_p"` from a media type handler. */
  bodyExpr?: string;
}

/**
 * What RETURNING yields: only the columns the response reads, so a role with INSERT (or
 * column-level) privileges alone can write with return=minimal, as under PostgREST.
 * `*` when a computed column or embed needs the whole row.
 */
export function returnedColumns(t: Table, returning: ReadPlan | undefined, extra: string[]): Set<string> | '*' {
  const cols = new Set(extra);
  if (!returning) return cols;
  for (const f of returning.fields) {
    // count() reads no column; aggregates over rows and computed columns need the whole row.
    if (!f.field) continue;
    if (!f.field.column || f.aggregate) return '*';
    cols.add(f.field.column.name);
  }
  for (const o of returning.order) {
    if (!o.embed) {
      if (!o.field?.column) return '*';
      cols.add(o.field.column.name);
    }
  }
  for (const e of returning.embeds) {
    const source = e.rel.junction ? e.rel.junction.sourceColumns.map((c) => c[0]) : e.rel.columns.map((c) => c[0]);
    if (!source.length) return '*';
    for (const c of source) cols.add(c);
  }
  for (const c of cols) if (!t.columnsByName.has(c)) return '*';
  return cols;
}

function returningList(ret: Set<string> | '*', rowRef: string, inserted: string | undefined): string {
  const items = ret === '*' ? [`${rowRef}.*`] : [...ret].map((c) => `${rowRef}.${quoteIdent(c)}`);
  if (inserted) items.push(`${inserted} AS "pgrst_inserted"`);
  return items.length ? items.join(', ') : '1 AS "pgrst_one"';
}

/**
 * Columns whose domain has a json → domain cast: their body values go through the cast function
 * instead of json_populate_record, which would read them as the domain's base type.
 */
function reprColumns(t: Table, columns: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of columns) {
    const f = t.columnsByName.get(c)?.repr?.fromJson;
    if (f) out.set(c, qualified(f.schema, f.name));
  }
  return out;
}

/**
 * The column definition list of the body's record: only the columns sent, with their types
 * (format_type, schema-qualified by the catalog query). Building a whole row of the table
 * (json_populate_record) would check a NOT NULL domain on columns nobody sent, as PostgREST's
 * json_to_recordset does not. Representation columns are read through their casts instead.
 */
function recordColumns(t: Table, columns: string[], skip: Map<string, string>): string {
  const defs = columns.filter((c) => !skip.has(c)).map((c) => `${quoteIdent(c)} ${t.columnsByName.get(c)!.type}`);
  // A record with no columns cannot be declared; nothing reads "_r" then.
  return defs.length ? defs.join(', ') : '"pgrst_none" int';
}

function mutationSql(t: Table, m: Mutation, p: Params, ret: Set<string> | '*', wantInserted: boolean): string {
  const target = qualified(t.schema, t.name);
  // xmax = 0 tells an inserted row from an updated one; views have no xmax.
  const insertedFlag = !wantInserted ? undefined : t.kind === 'table' || t.kind === 'partitioned_table' ? '(xmax = 0)' : 'true';
  const alias = quoteIdent('t0');
  const cols = (m.kind === 'delete' ? [] : m.columns).map(quoteIdent);
  const none = () => `SELECT ${returningList(ret, alias, wantInserted ? 'false' : undefined)} FROM ${target} AS ${alias} WHERE false`;
  switch (m.kind) {
    case 'insert': {
      const returning = `RETURNING ${returningList(ret, target, insertedFlag)}`;
      if (m.rowCount === 0) return none();
      if (cols.length === 0) {
        // `[{}, {}]`: one row of defaults each; DEFAULT VALUES makes only one.
        const any = t.columns.find((c) => !c.generated);
        if (m.rowCount === 1 || !any) return `INSERT INTO ${target} DEFAULT VALUES ${returning}`;
        return `INSERT INTO ${target} (${quoteIdent(any.name)}) VALUES ${new Array(m.rowCount).fill('(DEFAULT)').join(', ')} ${returning}`;
      }
      let select: string;
      const reprs = reprColumns(t, m.columns);
      const record = recordColumns(t, m.columns, reprs);
      if (m.applyDefaults) {
        // A key missing from a row takes the column's default, evaluated per row.
        const exprs = m.columns.map((c) => {
          const def = t.columnsByName.get(c)?.default;
          const fn = reprs.get(c);
          const key = p.add(c);
          const value = fn ? `${fn}(("_j" -> ${key}::text)::json)` : `"_r".${quoteIdent(c)}`;
          return `CASE WHEN "_j" ? ${key} THEN ${value} ELSE ${def ?? 'NULL'} END`;
        });
        const overriding = m.columns.some((c) => t.columnsByName.get(c)?.identityAlways) ? 'OVERRIDING SYSTEM VALUE ' : '';
        select = `${overriding}SELECT ${exprs.join(', ')} FROM jsonb_array_elements(${p.add(m.json)}::jsonb) AS "_e"("_j") CROSS JOIN LATERAL jsonb_to_record("_j") AS "_r"(${record})`;
      } else if (reprs.size) {
        const exprs = m.columns.map((c) => {
          const fn = reprs.get(c);
          return fn ? `${fn}("_j" -> ${p.add(c)}::text)` : `"_r".${quoteIdent(c)}`;
        });
        select = `SELECT ${exprs.join(', ')} FROM json_array_elements(${p.add(m.json)}::json) AS "_e"("_j") CROSS JOIN LATERAL json_to_record("_j") AS "_r"(${record})`;
      } else {
        select = `SELECT ${cols.map((c) => `"_r".${c}`).join(', ')} FROM json_to_recordset(${p.add(m.json)}::json) AS "_r"(${record})`;
      }
      let conflict = '';
      if (m.onConflict) {
        const target_ = `(${m.onConflict.columns.map(quoteIdent).join(', ')})`;
        const updates = m.columns.filter((c) => !m.onConflict!.columns.includes(c)).map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`);
        conflict =
          m.onConflict.action === 'nothing' || updates.length === 0
            ? ` ON CONFLICT ${target_} DO ${m.onConflict.action === 'nothing' ? 'NOTHING' : `UPDATE SET ${quoteIdent(m.onConflict.columns[0])} = EXCLUDED.${quoteIdent(m.onConflict.columns[0])}`}`
            : ` ON CONFLICT ${target_} DO UPDATE SET ${updates.join(', ')}`;
      }
      return `INSERT INTO ${target} (${cols.join(', ')}) ${select}${conflict} ${returning}`;
    }
    case 'update': {
      const where = m.where.map((c) => condSql(c, 't0', p));
      if (cols.length === 0) return none();
      const body = p.add(m.json);
      const reprs = reprColumns(t, m.columns);
      const sets = m.columns
        .map((c) => {
          const def = t.columnsByName.get(c)?.default;
          const fn = reprs.get(c);
          const read = fn ? `${fn}(${body}::json -> ${p.add(c)}::text)` : `"_r".${quoteIdent(c)}`;
          // missing=default: a listed column absent from the body goes back to its default.
          const value = m.applyDefaults ? `CASE WHEN ${body}::jsonb ? ${p.add(c)} THEN ${read} ELSE ${def ?? 'NULL'} END` : read;
          return `${quoteIdent(c)} = ${value}`;
        })
        .join(', ');
      return `UPDATE ${target} AS ${alias} SET ${sets} FROM json_to_record(${body}::json) AS "_r"(${recordColumns(t, m.columns, reprs)})${where.length ? ` WHERE ${where.join(' AND ')}` : ''} RETURNING ${returningList(ret, alias, wantInserted ? 'false' : undefined)}`;
    }
    case 'delete': {
      const where = m.where.map((c) => condSql(c, 't0', p));
      return `DELETE FROM ${target} AS ${alias}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} RETURNING ${returningList(ret, alias, wantInserted ? 'false' : undefined)}`;
    }
  }
}

function bodyExpr(o: MutateOptions): string {
  if (!o.representation) return `''`;
  if (o.bodyExpr) return o.bodyExpr;
  const agg = o.stripNulls ? `json_strip_nulls(json_agg("_p"))` : `json_agg("_p")`;
  if (o.format === 'object') return `coalesce(${o.stripNulls ? `json_strip_nulls(json_agg("_p") -> 0)` : `json_agg("_p") -> 0`}, 'null')::text`;
  if (o.format === 'csv') return `coalesce(string_agg(substring("_p"::text, 2, length("_p"::text) - 2), E'\\n'), '')`;
  return `coalesce(${agg}, '[]')::text`;
}

/**
 * The whole write: `page_total` (rows affected), `inserted` (any row newly inserted),
 * `body`, `location` (key values of the first row) and the response GUCs. The singular and
 * max-affected checks are the caller's: it reads page_total before the transaction ends.
 */
export function renderMutation(table: Table, m: Mutation, returning: ReadPlan, o: MutateOptions): { sql: string; params: unknown[] } {
  const p = new Params();
  const ret = returnedColumns(table, o.representation ? returning : undefined, o.locationKeys ?? []);
  const cte = mutationSql(table, m, p, ret, !!o.wantInserted);
  // Only when asked for: its SQL (and its bind parameters) must not exist otherwise.
  const rep = o.representation ? levelSql(returning, p, { from: `"pgrst_source" AS ${quoteIdent(returning.alias)}`, where: [] }) : 'SELECT 1';
  const location = o.locationKeys?.length
    ? // Only for exactly one row, as PostgREST: a bulk insert has no single Location.
      `(SELECT json_build_array(${o.locationKeys.map((k) => `"s".${quoteIdent(k)}::text`).join(', ')}) FROM "pgrst_source" AS "s" WHERE (SELECT count(*) FROM "pgrst_source") = 1)::text`
    : 'NULL::text';
  const inserted = o.wantInserted ? `(SELECT coalesce(bool_or("pgrst_inserted"), false) FROM "pgrst_source")` : 'false';
  const sql =
    `WITH "pgrst_source" AS (${cte}) ` +
    `SELECT (SELECT count(*) FROM "pgrst_source") AS page_total, ` +
    `${inserted} AS inserted, ` +
    `${bodyExpr(o)} AS body, ${location} AS location, ` +
    `nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status ` +
    `FROM (${rep}) AS "_p"`;
  return { sql, params: p.values };
}
