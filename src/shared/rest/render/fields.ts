import { quoteIdent, qualified } from '../../sql/ident.ts';
import type { JsonPathStep } from '../parse/types.ts';
import type { PlanField } from '../plan/types.ts';
import type { Params } from './params.ts';

/** `data->a->>b` with the keys bound as parameters (numeric keys index arrays). */
export function jsonPathSql(base: string, path: JsonPathStep[], p: Params): string {
  let sql = base;
  for (const step of path) {
    const key = typeof step.key === 'number' ? `${p.add(step.key)}::int` : `${p.add(step.key)}::text`;
    sql = `${sql}${step.op}${key}`;
  }
  return path.length ? `(${sql})` : sql;
}

/** A column (or computed column) of the relation aliased `alias`, with its JSON path. */
export function fieldSql(f: PlanField, alias: string, p: Params): string {
  const base = f.func ? `${qualified(f.func.schema, f.func.name)}(${quoteIdent(alias)})` : `${quoteIdent(alias)}.${quoteIdent(f.name)}`;
  return jsonPathSql(base, f.jsonPath, p);
}
