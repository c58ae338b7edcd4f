/** CREATE / ALTER / DROP EXTENSION. */
import { quoteIdent as id, quoteLiteral as lit } from '../../shared/sql/ident.ts';
import { dropBehaviour as drop } from './clauses.ts';

export function createExtension(b: { name: string; schema?: string; version?: string; cascade?: boolean }): string[] {
  let sql = `CREATE EXTENSION ${id(b.name)}`;
  if (b.schema) sql += ` SCHEMA ${id(b.schema)}`;
  if (b.version) sql += ` VERSION ${lit(b.version)}`;
  if (b.cascade) sql += ' CASCADE';
  return [sql];
}

export function updateExtension(name: string, b: { update?: boolean; version?: string; schema?: string }): string[] {
  const out: string[] = [];
  if (b.update) out.push(`ALTER EXTENSION ${id(name)} UPDATE${b.version ? ` TO ${lit(b.version)}` : ''}`);
  if (b.schema) out.push(`ALTER EXTENSION ${id(name)} SET SCHEMA ${id(b.schema)}`);
  return out;
}

export const dropExtension = (name: string, cascade?: boolean) => [`DROP EXTENSION ${id(name)} ${drop(cascade)}`];
