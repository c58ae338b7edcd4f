/**
 * Writes → one statement: the INSERT/UPDATE/DELETE in a CTE, and the response
 * (row count, representation with embeds, Location keys) built from its RETURNING.
 */
import { qualified, quoteIdent } from '../../sql/ident.ts';
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
  /** Fail (and so roll back) when more rows than this are affected (max-affected). */
  maxAffected?: number;
  /** Fail when the write does not touch exactly one row (singular object requested). */
  requireOne?: boolean;
}

function mutationSql(t: Table, m: Mutation, p: Params): string {
  const target = qualified(t.schema, t.name);
  // xmax = 0 tells an inserted row from an updated one; views have no xmax.
  const insertedFlag = t.kind === 'table' || t.kind === 'partitioned_table' ? '(xmax = 0)' : 'true';
  const alias = quoteIdent('t0');
  const cols = (m.kind === 'delete' ? [] : m.columns).map(quoteIdent);
  switch (m.kind) {
    case 'insert': {
      if (m.rowCount === 0) return `SELECT ${alias}.*, false AS "pgrst_inserted" FROM ${target} AS ${alias} WHERE false`;
      if (cols.length === 0) return `INSERT INTO ${target} DEFAULT VALUES RETURNING ${target}.*, ${insertedFlag} AS "pgrst_inserted"`;
      let select: string;
      if (m.applyDefaults) {
        // A key missing from a row takes the column's default, evaluated per row.
        const exprs = m.columns.map((c) => {
          const def = t.columnsByName.get(c)?.default;
          return `CASE WHEN "_j" ? ${p.add(c)} THEN "_r".${quoteIdent(c)} ELSE ${def ?? 'NULL'} END`;
        });
        const overriding = m.columns.some((c) => t.columnsByName.get(c)?.identityAlways) ? 'OVERRIDING SYSTEM VALUE ' : '';
        select = `${overriding}SELECT ${exprs.join(', ')} FROM jsonb_array_elements(${p.add(m.json)}::jsonb) AS "_e"("_j") CROSS JOIN LATERAL jsonb_populate_record(NULL::${target}, "_j") AS "_r"`;
      } else {
        select = `SELECT ${cols.map((c) => `"_r".${c}`).join(', ')} FROM json_populate_recordset(NULL::${target}, ${p.add(m.json)}::json) AS "_r"`;
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
      return `INSERT INTO ${target} (${cols.join(', ')}) ${select}${conflict} RETURNING ${target}.*, ${insertedFlag} AS "pgrst_inserted"`;
    }
    case 'update': {
      const where = m.where.map((c) => condSql(c, 't0', p));
      if (cols.length === 0) return `SELECT ${alias}.*, false AS "pgrst_inserted" FROM ${target} AS ${alias} WHERE false`;
      const body = p.add(m.json);
      const sets = m.columns
        .map((c) => {
          const def = t.columnsByName.get(c)?.default;
          // missing=default: a listed column absent from the body goes back to its default.
          const value = m.applyDefaults ? `CASE WHEN ${body}::jsonb ? ${p.add(c)} THEN "_r".${quoteIdent(c)} ELSE ${def ?? 'NULL'} END` : `"_r".${quoteIdent(c)}`;
          return `${quoteIdent(c)} = ${value}`;
        })
        .join(', ');
      return `UPDATE ${target} AS ${alias} SET ${sets} FROM json_populate_record(NULL::${target}, ${body}::json) AS "_r"${where.length ? ` WHERE ${where.join(' AND ')}` : ''} RETURNING ${alias}.*, false AS "pgrst_inserted"`;
    }
    case 'delete': {
      const where = m.where.map((c) => condSql(c, 't0', p));
      return `DELETE FROM ${target} AS ${alias}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} RETURNING ${alias}.*, false AS "pgrst_inserted"`;
    }
  }
}

function bodyExpr(o: MutateOptions): string {
  if (!o.representation) return `''`;
  const agg = o.stripNulls ? `json_strip_nulls(json_agg("_p"))` : `json_agg("_p")`;
  if (o.format === 'object') return `coalesce(${o.stripNulls ? `json_strip_nulls(json_agg("_p") -> 0)` : `json_agg("_p") -> 0`}, 'null')::text`;
  if (o.format === 'csv') return `coalesce(string_agg(substring("_p"::text, 2, length("_p"::text) - 2), E'\\n'), '')`;
  return `coalesce(${agg}, '[]')::text`;
}

/**
 * The whole write: `page_total` (rows affected), `inserted` (any row newly inserted),
 * `body`, `location` (key values of the first row) and the response GUCs.
 */
export function renderMutation(table: Table, m: Mutation, returning: ReadPlan, o: MutateOptions): { sql: string; params: unknown[] } {
  const p = new Params();
  const cte = mutationSql(table, m, p);
  // Only when asked for: its SQL (and its bind parameters) must not exist otherwise.
  const rep = o.representation ? levelSql(returning, p, { from: `"pgrst_source" AS ${quoteIdent(returning.alias)}`, where: [] }) : 'SELECT 1';
  const checks: string[] = [];
  if (o.maxAffected !== undefined) {
    checks.push(
      `CASE WHEN (SELECT count(*) FROM "pgrst_source") > ${p.add(o.maxAffected)} THEN basalt.raise_error('PR124', 'Query result exceeds max-affected preference constraint', 'The query affects ' || (SELECT count(*) FROM "pgrst_source") || ' rows') END`,
    );
  }
  if (o.requireOne) {
    checks.push(`CASE WHEN (SELECT count(*) FROM "pgrst_source") <> 1 THEN basalt.raise_error('PR116', 'Cannot coerce the result to a single JSON object', 'The result contains ' || (SELECT count(*) FROM "pgrst_source") || ' rows') END`);
  }
  const location = o.locationKeys?.length
    ? `(SELECT json_build_array(${o.locationKeys.map((k) => `"s".${quoteIdent(k)}::text`).join(', ')}) FROM "pgrst_source" AS "s" LIMIT 1)::text`
    : 'NULL::text';
  const sql =
    `WITH "pgrst_source" AS (${cte}) ` +
    `SELECT (SELECT count(*) FROM "pgrst_source") AS page_total, ` +
    `(SELECT coalesce(bool_or("pgrst_inserted"), false) FROM "pgrst_source") AS inserted, ` +
    `${bodyExpr(o)} AS body, ${location} AS location, ` +
    `nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status` +
    `${checks.length ? ', ' + checks.join(', ') : ''} ` +
    `FROM (${rep}) AS "_p"`;
  return { sql, params: p.values };
}
