/**
 * ReadPlan → one SELECT whose single row carries the response body, built by
 * PostgreSQL with json_agg/row_to_json (embeds are LATERAL subqueries, never N+1).
 */
import { qualified, quoteIdent } from '../../../shared/sql/ident.ts';
import type { EmbedPlan, PlanOrder, ReadPlan, SelectField } from '../plan/types.ts';
import { hasAggregates, spreadNames } from '../plan/read-plan.ts';
import { condSql } from './conditions.ts';
import { fieldSql } from './fields.ts';
import { Params } from './params.ts';

export type BodyFormat = 'json' | 'object' | 'csv' | 'binary';

export interface RenderedRead {
  sql: string;
  params: unknown[];
}

/** The join condition tying a child level to its parent. */
function joinConds(e: EmbedPlan, parentAlias: string): { from: string; where: string[] } {
  const child = quoteIdent(e.plan.alias);
  const parent = quoteIdent(parentAlias);
  const target = qualified(e.plan.table.schema, e.plan.table.name);
  if (e.rel.func) {
    // A computed relationship: the function, called with the parent's whole row.
    const row = e.parentRow ? `ROW(${e.parentRow.columns.map((c) => `${parent}.${quoteIdent(c)}`).join(', ')})::${qualified(e.parentRow.type.schema, e.parentRow.type.name)}` : parent;
    return { from: `${qualified(e.rel.func.schema, e.rel.func.name)}(${row}) AS ${child}`, where: [] };
  }
  if (e.rel.junction) {
    const j = e.rel.junction;
    const ja = quoteIdent(`${e.plan.alias}_j`);
    const on = j.targetColumns.map(([jc, tc]) => `${ja}.${quoteIdent(jc)} = ${child}.${quoteIdent(tc)}`).join(' AND ');
    return {
      from: `${target} AS ${child} JOIN ${qualified(j.table.schema, j.table.name)} AS ${ja} ON ${on}`,
      where: j.sourceColumns.map(([sc, jc]) => `${ja}.${quoteIdent(jc)} = ${parent}.${quoteIdent(sc)}`),
    };
  }
  return {
    from: `${target} AS ${child}`,
    where: e.rel.columns.map(([sc, tc]) => `${child}.${quoteIdent(tc)} = ${parent}.${quoteIdent(sc)}`),
  };
}

function orderSql(o: PlanOrder, node: ReadPlan, p: Params): string {
  let expr: string;
  if (o.spreadColumn !== undefined) {
    expr = `${quoteIdent(o.embed!.lateral)}.${quoteIdent(o.spreadColumn)}`;
  } else if (o.embed) {
    // Order by a to-one embed's column: a scalar subquery over the same join and filters.
    const { from, where } = joinConds(o.embed, node.alias);
    const conds = [...where, ...o.embed.plan.where.map((c) => condSql(c, o.embed!.plan.alias, p))];
    expr = `(SELECT ${fieldSql(o.field!, o.embed.plan.alias, p)} FROM ${from}${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''} LIMIT 1)`;
  } else {
    expr = fieldSql(o.field!, node.alias, p);
  }
  return `${expr}${o.direction === 'desc' ? ' DESC' : o.direction === 'asc' ? ' ASC' : ''}${o.nulls ? ` NULLS ${o.nulls.toUpperCase()}` : ''}`;
}

/** The lateral join for one embed, exposing `body` (or the spread columns) and `_exists`. */
function lateralSql(e: EmbedPlan, parentAlias: string, p: Params): string {
  const lat = quoteIdent(e.lateral);
  let sub: string;
  if (e.toManySpread) {
    // `...rel(a,b)` on a to-many relationship: one array per column, in the level's order.
    const inner = levelSql(e.plan, p, joinConds(e, parentAlias));
    const cols = outputNames(e.plan).map((n) => `coalesce(json_agg("_x".${quoteIdent(n)}), '[]'::json) AS ${quoteIdent(n)}`);
    sub = `SELECT ${[...cols, 'bool_or(true) AS "_exists"'].join(', ')} FROM (${inner}) AS "_x"`;
  } else if (e.spread) {
    // A to-one spread hands its columns up raw; the parent applies their aggregates.
    sub = `SELECT "_x".*, true AS "_exists" FROM (${levelSql(e.plan, p, joinConds(e, parentAlias), false, false)}) AS "_x"`;
  } else if (e.toOne) {
    sub = `SELECT row_to_json("_x") AS "body", true AS "_exists" FROM (${levelSql(e.plan, p, joinConds(e, parentAlias))}) AS "_x"`;
  } else {
    sub = `SELECT json_agg("_x") AS "body", bool_or(true) AS "_exists" FROM (${levelSql(e.plan, p, joinConds(e, parentAlias))}) AS "_x"`;
  }
  return `${e.inner ? 'INNER' : 'LEFT'} JOIN LATERAL (${sub}) AS ${lat} ON ${e.inner ? `${lat}."_exists"` : 'TRUE'}`;
}

/** The output names of a level, in order (spread embeds contribute their own). */
export function outputNames(node: ReadPlan): string[] {
  return spreadNames(node);
}

/** One output column of a level, and whether it is an aggregate (everything else is grouped by). */
interface OutCol {
  expr: string;
  name: string;
  aggregated: boolean;
}

const AGG_SQL = { count: 'count', sum: 'sum', avg: 'avg', max: 'max', min: 'min' } as const;
const castTo = (expr: string, type: string | undefined) => (type ? `CAST(${expr} AS ${type})` : expr);

/**
 * A selected field; a domain column (or computed column) with a json representation is rendered
 * through its cast function, under any explicit cast or aggregate, as PostgREST does.
 */
function outputSql(f: SelectField, alias: string, p: Params): string {
  const sql = fieldSql(f.field!, alias, p);
  const toJson = f.field!.func ? f.field!.func.returnRepr?.toJson : f.field!.column?.repr?.toJson;
  if (!toJson || f.field!.jsonPath.length) return sql;
  return `${qualified(toJson.schema, toJson.name)}(${sql})`;
}

/** The aggregates a to-one spread's columns carry up to the level that applies them. */
function spreadAggregates(node: ReadPlan): Map<string, SelectField> {
  const out = new Map<string, SelectField>();
  for (const f of node.fields) if (f.aggregate) out.set(f.outName, f);
  for (const e of node.embeds) if (e.spread && !e.toManySpread && !e.empty) for (const [k, v] of spreadAggregates(e.plan)) out.set(k, v);
  return out;
}

/** The output names of a level that carry embeds (json), through its to-one spreads. */
function embedNames(node: ReadPlan): Set<string> {
  const out = new Set<string>();
  for (const e of node.embeds) {
    if (e.empty) continue;
    if (e.spread && !e.toManySpread) for (const n of embedNames(e.plan)) out.add(n);
    else if (e.toManySpread) for (const n of outputNames(e.plan)) out.add(n);
    else out.add(e.outName);
  }
  return out;
}

/**
 * The columns of a level. With `applyAggregates` off (the inside of a to-one spread) aggregated
 * fields are selected raw, for the first level above that is not a spread to aggregate.
 */
function outColumns(node: ReadPlan, p: Params, applyAggregates: boolean): OutCol[] {
  const grouped = applyAggregates && hasAggregates(node);
  // json has no equality operator: a grouped level groups by (and returns) its embeds as jsonb.
  const json = (expr: string) => (grouped ? `(${expr})::jsonb` : expr);
  const cols: OutCol[] = node.fields.map((f) => {
    const value = f.field ? castTo(outputSql(f, node.alias, p), f.cast) : '1';
    if (!f.aggregate || !applyAggregates) return { expr: value, name: f.outName, aggregated: false };
    const agg = `${AGG_SQL[f.aggregate]}(${f.field ? value : '*'})`;
    return { expr: castTo(agg, f.aggregateCast), name: f.outName, aggregated: true };
  });
  for (const e of node.embeds) {
    if (e.empty) continue;
    const lat = quoteIdent(e.lateral);
    if (e.spread && !e.toManySpread) {
      const jsonOut = grouped ? embedNames(e.plan) : new Set<string>();
      const aggs = applyAggregates ? spreadAggregates(e.plan) : new Map<string, SelectField>();
      for (const n of outputNames(e.plan)) {
        const raw = `${lat}.${quoteIdent(n)}`;
        const a = aggs.get(n);
        if (a) cols.push({ expr: castTo(`${AGG_SQL[a.aggregate!]}(${raw})`, a.aggregateCast), name: n, aggregated: true });
        else cols.push({ expr: jsonOut.has(n) ? json(raw) : raw, name: n, aggregated: false });
      }
    } else if (e.toManySpread) {
      for (const n of outputNames(e.plan)) cols.push({ expr: json(`${lat}.${quoteIdent(n)}`), name: n, aggregated: false });
    } else if (e.toOne) {
      cols.push({ expr: json(`${lat}."body"`), name: e.outName, aggregated: false });
    } else {
      cols.push({ expr: json(`coalesce(${lat}."body", '[]'::json)`), name: e.outName, aggregated: false });
    }
  }
  return cols;
}

/** One level: its columns and embeds, filters, grouping, order and range. */
export function levelSql(node: ReadPlan, p: Params, join?: { from: string; where: string[] }, countOnly = false, applyAggregates = true): string {
  const from = join?.from ?? `${qualified(node.table.schema, node.table.name)} AS ${quoteIdent(node.alias)}`;
  const grouped = applyAggregates && hasAggregates(node);
  // A count needs only the embeds its conditions look at (all of them when grouping).
  const embeds = countOnly && !grouped ? node.embeds.filter((e) => e.inner || node.where.some((c) => mentions(c, e))) : node.embeds;
  const laterals = embeds.map((e) => lateralSql(e, node.alias, p));
  const where = [...(join?.where ?? []), ...node.where.map((c) => condSql(c, node.alias, p))];
  const cols = countOnly && !grouped ? [] : outColumns(node, p, applyAggregates);
  const select = countOnly && !grouped ? '1' : cols.map((c) => `${c.expr} AS ${quoteIdent(c.name)}`).join(', ');
  let sql = `SELECT ${select} FROM ${from}${laterals.length ? ' ' + laterals.join(' ') : ''}`;
  if (where.length) sql += ` WHERE ${where.join(' AND ')}`;
  if (grouped) {
    const keys = cols.filter((c) => !c.aggregated && c.expr !== '1').map((c) => c.expr);
    if (keys.length) sql += ` GROUP BY ${keys.join(', ')}`;
  }
  if (!countOnly) {
    if (node.order.length) sql += ` ORDER BY ${node.order.map((o) => orderSql(o, node, p)).join(', ')}`;
    if (node.limit !== undefined) sql += ` LIMIT ${p.add(node.limit)}`;
    if (node.offset) sql += ` OFFSET ${p.add(node.offset)}`;
  }
  return sql;
}

function mentions(c: ReadPlan['where'][number], e: EmbedPlan): boolean {
  if (c.kind === 'embed-null') return c.embed === e;
  if (c.kind === 'filter' || c.kind === 'row-in') return false;
  return c.children.some((x) => mentions(x, e));
}

function bodySql(format: BodyFormat, stripNulls: boolean, binaryField?: string): string {
  const agg = stripNulls ? `json_strip_nulls(json_agg("_p"))` : `json_agg("_p")`;
  switch (format) {
    case 'json':
      return `coalesce(${agg}, '[]')::text`;
    case 'object':
      return stripNulls ? `coalesce(json_strip_nulls(json_agg("_p") -> 0), 'null')::text` : `coalesce(json_agg("_p") -> 0, 'null')::text`;
    case 'csv':
      // A record's text form is a CSV line between parentheses.
      return `coalesce(string_agg(substring("_p"::text, 2, length("_p"::text) - 2), E'\\n'), '')`;
    case 'binary':
      return `coalesce(string_agg(${binaryField}, ''::bytea), ''::bytea)`;
  }
}

export interface ReadOptions {
  format: BodyFormat;
  stripNulls: boolean;
  /** Read from this relation name (e.g. a CTE over a function call) instead of the plan's table. */
  source?: string;
  /** A WITH clause to put first, written with `params`. */
  withClause?: string;
  params?: Params;
  /** Also return the response.headers/response.status GUCs (functions may set them). */
  responseGucs?: boolean;
  /** exact: count(*); a number: count at most that many rows (for Prefer: count=estimated). */
  count: 'exact' | number | undefined;
  /** The body over the rows `"_p"` instead of `format`'s (media type handlers). */
  bodyExpr?: string;
}

/**
 * The whole read: `total` (exact count or null), `page_total` (rows in this page) and
 * `body` (the response body, as text or bytea).
 */
export function renderRead(plan: ReadPlan, opts: ReadOptions): RenderedRead {
  const p = opts.params ?? new Params();
  const from = opts.source ? { from: `${opts.source} AS ${quoteIdent(plan.alias)}`, where: [] } : undefined;
  const inner = levelSql(plan, p, from);
  let binaryField: string | undefined;
  if (opts.format === 'binary') {
    const names = outputNames(plan);
    const col = plan.fields[0]?.field?.column;
    binaryField = col?.udt === 'bytea' && names.length === 1 ? `"_p".${quoteIdent(names[0])}` : `convert_to("_p".${quoteIdent(names[0] ?? '')}::text, 'UTF8')`;
  }
  const total =
    opts.count === undefined
      ? 'NULL::bigint'
      : `(SELECT count(*) FROM (${levelSql(plan, p, from, true)}${typeof opts.count === 'number' ? ` LIMIT ${p.add(opts.count)}` : ''}) AS "_c")`;
  const gucs = opts.responseGucs
    ? `, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status`
    : '';
  const sql = `${opts.withClause ? opts.withClause + ' ' : ''}SELECT ${total} AS total, count("_p") AS page_total, ${opts.bodyExpr ?? bodySql(opts.format, opts.stripNulls, binaryField)} AS body${gucs} FROM (${inner}) AS "_p"`;
  return { sql, params: p.values };
}

/** The planner's row estimate for the same rows (Prefer: count=planned), from EXPLAIN. */
export function renderCountExplain(plan: ReadPlan): RenderedRead {
  const p = new Params();
  return { sql: `EXPLAIN (FORMAT JSON) ${levelSql(plan, p, undefined, true)}`, params: p.values };
}

export function plannedRows(explain: { 'QUERY PLAN': { Plan: { 'Plan Rows': number } }[] }): number {
  return Math.round(explain['QUERY PLAN'][0].Plan['Plan Rows']);
}
