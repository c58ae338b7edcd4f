/** Filters and logic trees → WHERE conditions. Values are always parameters. */
import { qualified, quoteIdent } from '../../../shared/sql/ident.ts';
import type { OpExpr, SimpleOperator } from '../parse/types.ts';
import type { PlanCond, PlanField } from '../plan/types.ts';
import { fieldSql } from './fields.ts';
import type { Params } from './params.ts';

const OPS: Record<SimpleOperator, string> = {
  eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=',
  like: 'LIKE', ilike: 'ILIKE', match: '~', imatch: '~*',
  isdistinct: 'IS DISTINCT FROM',
  cs: '@>', cd: '<@', ov: '&&', sl: '<<', sr: '>>', nxr: '&<', nxl: '&>', adj: '-|-',
};

const FTS: Record<string, string> = { fts: 'to_tsquery', plfts: 'plainto_tsquery', phfts: 'phraseto_tsquery', wfts: 'websearch_to_tsquery' };

const IS: Record<string, string> = { null: 'IS NULL', not_null: 'IS NOT NULL', true: 'IS TRUE', false: 'IS FALSE', unknown: 'IS UNKNOWN' };

/** `{a,b}` / `(a,b)` → ['a','b'] for (any)/(all) quantifiers; quoted items keep their commas. */
function quantList(value: string): string[] {
  const inner = value.replace(/^[{(]/, '').replace(/[})]$/, '');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\\' && quoted && i + 1 < inner.length) cur += inner[++i];
    else if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** A filter value: through the column's text → domain cast when it has one, else a bare parameter. */
function valueSql(field: PlanField, value: string, p: Params): string {
  const fromText = field.jsonPath.length ? undefined : field.column?.repr?.fromText;
  return fromText ? `${qualified(fromText.schema, fromText.name)}(${p.add(value)}::text)` : p.add(value);
}

/** A list of filter values (in, any/all), each through the text → domain cast when there is one. */
function listSql(field: PlanField, values: string[], p: Params): string {
  const fromText = field.jsonPath.length ? undefined : field.column?.repr?.fromText;
  return fromText ? `ARRAY(SELECT ${qualified(fromText.schema, fromText.name)}("_v") FROM unnest(${p.add(values)}::text[]) AS "_v")` : p.add(values);
}

function exprSql(lhs: string, field: PlanField, e: OpExpr, p: Params): string {
  switch (e.kind) {
    case 'is':
      return `${lhs} ${IS[e.value]}`;
    case 'in':
      // `in.()` matches nothing; `= ANY($n)` keeps one parameter whatever the list's length.
      if (e.values.length === 1 && e.values[0] === '') return 'FALSE';
      return `${lhs} = ANY(${listSql(field, e.values, p)})`;
    case 'fts': {
      const type = field.column ? (field.column.baseUdt ?? field.column.udt) : field.func?.returnType;
      const isTsvector = type === 'tsvector' && field.jsonPath.length === 0;
      const q = e.language ? `${FTS[e.op]}(${p.add(e.language)}::regconfig, ${p.add(e.value)})` : `${FTS[e.op]}(${p.add(e.value)})`;
      const doc = isTsvector ? lhs : e.language ? `to_tsvector(${p.add(e.language)}::regconfig, ${lhs})` : `to_tsvector(${lhs})`;
      return `${doc} @@ ${q}`;
    }
    case 'simple': {
      const op = OPS[e.op];
      if (e.quant) return `${lhs} ${op} ${e.quant.toUpperCase()}(${listSql(field, quantList(e.value), p)})`;
      return `${lhs} ${op} ${valueSql(field, e.value, p)}`;
    }
  }
}

export function condSql(c: PlanCond, alias: string, p: Params): string {
  switch (c.kind) {
    case 'filter': {
      const sql = exprSql(fieldSql(c.field, alias, p), c.field, c.expr, p);
      return c.negated ? `NOT (${sql})` : sql;
    }
    case 'row-in': {
      const cols = c.columns.map(quoteIdent);
      const json = JSON.stringify(c.rows.map((r) => Object.fromEntries(c.columns.map((name, i) => [name, r[i]]))));
      const row = (a: string) => cols.map((x) => `${a}.${x}`).join(', ');
      return `(${row(quoteIdent(alias))}) IN (SELECT ${row('"_k"')} FROM json_populate_recordset(NULL::${qualified(c.table.schema, c.table.name)}, ${p.add(json)}::json) AS "_k")`;
    }
    case 'embed-null':
      return `${quoteIdent(c.embed.lateral)}."_exists" ${c.isNull ? 'IS NULL' : 'IS NOT NULL'}`;
    case 'and':
    case 'or': {
      if (c.children.length === 0) return c.negated ? 'FALSE' : 'TRUE';
      const sql = c.children.map((x) => `(${condSql(x, alias, p)})`).join(c.kind === 'and' ? ' AND ' : ' OR ');
      return c.negated ? `NOT (${sql})` : `(${sql})`;
    }
  }
}
