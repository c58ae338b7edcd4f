/** Filters and logic trees → WHERE conditions. Values are always parameters. */
import { quoteIdent } from '../../../shared/sql/ident.ts';
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

function exprSql(lhs: string, field: PlanField, e: OpExpr, p: Params): string {
  switch (e.kind) {
    case 'is':
      return `${lhs} ${IS[e.value]}`;
    case 'in':
      // `in.()` matches nothing; `= ANY($n)` keeps one parameter whatever the list's length.
      if (e.values.length === 1 && e.values[0] === '') return 'FALSE';
      return `${lhs} = ANY(${p.add(e.values)})`;
    case 'fts': {
      const isTsvector = (field.column?.baseUdt ?? field.column?.udt) === 'tsvector' && field.jsonPath.length === 0;
      const q = e.language ? `${FTS[e.op]}(${p.add(e.language)}::regconfig, ${p.add(e.value)})` : `${FTS[e.op]}(${p.add(e.value)})`;
      const doc = isTsvector ? lhs : e.language ? `to_tsvector(${p.add(e.language)}::regconfig, ${lhs})` : `to_tsvector(${lhs})`;
      return `${doc} @@ ${q}`;
    }
    case 'simple': {
      const op = OPS[e.op];
      if (e.quant) return `${lhs} ${op} ${e.quant.toUpperCase()}(${p.add(quantList(e.value))})`;
      return `${lhs} ${op} ${p.add(e.value)}`;
    }
  }
}

export function condSql(c: PlanCond, alias: string, p: Params): string {
  switch (c.kind) {
    case 'filter': {
      const sql = exprSql(fieldSql(c.field, alias, p), c.field, c.expr, p);
      return c.negated ? `NOT (${sql})` : sql;
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
