/**
 * ReadPlan → one SELECT whose single row carries the response body, built by
 * PostgreSQL with json_agg/row_to_json (embeds are LATERAL subqueries, never N+1).
 */
import { qualified, quoteIdent } from '../../sql/ident.ts';
import type { EmbedPlan, PlanOrder, ReadPlan } from '../plan/types.ts';
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
  if (o.embed) {
    // Order by a to-one embed's column: a scalar subquery over the same join and filters.
    const { from, where } = joinConds(o.embed, node.alias);
    const conds = [...where, ...o.embed.plan.where.map((c) => condSql(c, o.embed!.plan.alias, p))];
    expr = `(SELECT ${fieldSql(o.field, o.embed.plan.alias, p)} FROM ${from} WHERE ${conds.join(' AND ')} LIMIT 1)`;
  } else {
    expr = fieldSql(o.field, node.alias, p);
  }
  return `${expr}${o.direction === 'desc' ? ' DESC' : o.direction === 'asc' ? ' ASC' : ''}${o.nulls ? ` NULLS ${o.nulls.toUpperCase()}` : ''}`;
}

/** The lateral join for one embed, exposing `body` (or the spread columns) and `_exists`. */
function lateralSql(e: EmbedPlan, parentAlias: string, p: Params): string {
  const inner = levelSql(e.plan, p, joinConds(e, parentAlias));
  const lat = quoteIdent(e.lateral);
  let sub: string;
  if (e.spread) sub = `SELECT "_x".*, true AS "_exists" FROM (${inner}) AS "_x"`;
  else if (e.toOne) sub = `SELECT row_to_json("_x") AS "body", true AS "_exists" FROM (${inner}) AS "_x"`;
  else sub = `SELECT json_agg("_x") AS "body", bool_or(true) AS "_exists" FROM (${inner}) AS "_x"`;
  return `${e.inner ? 'INNER' : 'LEFT'} JOIN LATERAL (${sub}) AS ${lat} ON ${e.inner ? `${lat}."_exists"` : 'TRUE'}`;
}

/** The output names of a level, in order (spread embeds contribute their own). */
export function outputNames(node: ReadPlan): string[] {
  const names = node.fields.map((f) => f.outName);
  for (const e of node.embeds) {
    if (e.empty) continue;
    if (e.spread) names.push(...outputNames(e.plan));
    else names.push(e.outName);
  }
  return names;
}

function selectList(node: ReadPlan, p: Params): string {
  const cols = node.fields.map((f) => {
    const expr = fieldSql(f.field, node.alias, p);
    return `${f.cast ? `CAST(${expr} AS ${f.cast})` : expr} AS ${quoteIdent(f.outName)}`;
  });
  for (const e of node.embeds) {
    if (e.empty) continue;
    const lat = quoteIdent(e.lateral);
    if (e.spread) for (const n of outputNames(e.plan)) cols.push(`${lat}.${quoteIdent(n)} AS ${quoteIdent(n)}`);
    else if (e.toOne) cols.push(`${lat}."body" AS ${quoteIdent(e.outName)}`);
    else cols.push(`coalesce(${lat}."body", '[]'::json) AS ${quoteIdent(e.outName)}`);
  }
  return cols.length ? cols.join(', ') : '';
}

/** One level: its columns and embeds, filters, order and range. */
export function levelSql(node: ReadPlan, p: Params, join?: { from: string; where: string[] }, countOnly = false): string {
  const from = join?.from ?? `${qualified(node.table.schema, node.table.name)} AS ${quoteIdent(node.alias)}`;
  // A count needs only the embeds its conditions look at.
  const embeds = countOnly ? node.embeds.filter((e) => e.inner || node.where.some((c) => mentions(c, e))) : node.embeds;
  const laterals = embeds.map((e) => lateralSql(e, node.alias, p));
  const where = [...(join?.where ?? []), ...node.where.map((c) => condSql(c, node.alias, p))];
  const select = countOnly ? '1' : selectList(node, p);
  let sql = `SELECT ${select} FROM ${from}${laterals.length ? ' ' + laterals.join(' ') : ''}`;
  if (where.length) sql += ` WHERE ${where.join(' AND ')}`;
  if (!countOnly) {
    if (node.order.length) sql += ` ORDER BY ${node.order.map((o) => orderSql(o, node, p)).join(', ')}`;
    if (node.limit !== undefined) sql += ` LIMIT ${p.add(node.limit)}`;
    if (node.offset) sql += ` OFFSET ${p.add(node.offset)}`;
  }
  return sql;
}

function mentions(c: ReadPlan['where'][number], e: EmbedPlan): boolean {
  if (c.kind === 'embed-null') return c.embed === e;
  if (c.kind === 'filter') return false;
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
    const col = plan.fields[0]?.field.column;
    binaryField = col?.udt === 'bytea' && names.length === 1 ? `"_p".${quoteIdent(names[0])}` : `convert_to("_p".${quoteIdent(names[0] ?? '')}::text, 'UTF8')`;
  }
  const total =
    opts.count === undefined
      ? 'NULL::bigint'
      : `(SELECT count(*) FROM (${levelSql(plan, p, from, true)}${typeof opts.count === 'number' ? ` LIMIT ${p.add(opts.count)}` : ''}) AS "_c")`;
  const gucs = opts.responseGucs
    ? `, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status`
    : '';
  const sql = `${opts.withClause ? opts.withClause + ' ' : ''}SELECT ${total} AS total, count("_p") AS page_total, ${bodySql(opts.format, opts.stripNulls, binaryField)} AS body${gucs} FROM (${inner}) AS "_p"`;
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
