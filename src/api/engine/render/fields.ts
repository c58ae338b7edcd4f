import { quoteIdent, qualified } from '../../../shared/sql/ident.ts';
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

const JSON_TYPES = new Set(['json', 'jsonb']);

/** A column (or computed column) of the relation aliased `alias`, with its JSON path. */
export function fieldSql(f: PlanField, alias: string, p: Params): string {
  // The row is cast to the function's argument type: over an RPC's rows it is a bare record,
  // which an overloaded computed column could not be chosen for.
  const row = f.func?.firstArgTable ? `${quoteIdent(alias)}::${qualified(f.func.firstArgTable.schema, f.func.firstArgTable.name)}` : quoteIdent(alias);
  let base = f.func ? `${qualified(f.func.schema, f.func.name)}(${row})` : `${quoteIdent(alias)}.${quoteIdent(f.name)}`;
  // `->`/`->>` on a composite or array column read it as jsonb, as PostgREST does.
  if (f.jsonPath.length && f.column && !JSON_TYPES.has(f.column.udt) && (f.column.category === 'A' || f.column.category === 'C')) base = `to_jsonb(${base})`;
  return jsonPathSql(base, f.jsonPath, p);
}
