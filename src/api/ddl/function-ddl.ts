/** CREATE [OR REPLACE] / ALTER / DROP FUNCTION; argument and return types arrive checked (sql-fragments.ts). */
import { qualified, quoteIdent as id, quoteLiteral as lit } from '../../shared/sql/ident.ts';
import type { CheckedSql } from './sql-fragments.ts';
import { dropBehaviour as drop, settingName, settingValue } from './clauses.ts';

export interface FunctionSpec {
  name: string;
  schema: string;
  /** The argument declarations, each checked, or the current list as PostgreSQL prints it. */
  args: CheckedSql[];
  returns: CheckedSql;
  definition: string;
  language: string;
  behavior: 'IMMUTABLE' | 'STABLE' | 'VOLATILE';
  securityDefiner: boolean;
  config?: Record<string, string>;
}

/** `replace`: CREATE OR REPLACE (same signature, new body or attributes). */
export function createFunction(b: FunctionSpec, replace = false): string {
  const lines = [
    `CREATE ${replace ? 'OR REPLACE ' : ''}FUNCTION ${qualified(b.schema, b.name)}(${b.args.join(', ')})`,
    `RETURNS ${b.returns}`,
    `LANGUAGE ${id(b.language)}`,
    b.behavior,
    b.securityDefiner ? 'SECURITY DEFINER' : 'SECURITY INVOKER',
  ];
  for (const [k, v] of Object.entries(b.config ?? {})) {
    lines.push(v === 'FROM CURRENT' ? `SET ${settingName(k)} FROM CURRENT` : `SET ${settingName(k)} TO ${settingValue(v)}`);
  }
  lines.push(`AS ${lit(b.definition)}`);
  return lines.join('\n');
}

/** `signature`: schema-qualified name and identity arguments, from the catalog (trusted text). */
export function updateFunctionName(cur: { schema: string; name: string; identityArgs: string }, b: { name?: string; schema?: string }): string[] {
  const out: string[] = [];
  let name = cur.name;
  if (b.name && b.name !== cur.name) {
    out.push(`ALTER FUNCTION ${qualified(cur.schema, cur.name)}(${cur.identityArgs}) RENAME TO ${id(b.name)}`);
    name = b.name;
  }
  if (b.schema && b.schema !== cur.schema) out.push(`ALTER FUNCTION ${qualified(cur.schema, name)}(${cur.identityArgs}) SET SCHEMA ${id(b.schema)}`);
  return out;
}

export const dropFunction = (cur: { schema: string; name: string; identityArgs: string }, cascade?: boolean) => [
  `DROP FUNCTION ${qualified(cur.schema, cur.name)}(${cur.identityArgs}) ${drop(cascade)}`,
];
