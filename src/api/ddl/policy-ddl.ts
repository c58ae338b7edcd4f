/** CREATE / ALTER / DROP POLICY; USING and WITH CHECK arrive checked (sql-fragments.ts). */
import { qualified, quoteIdent as id } from '../../shared/sql/ident.ts';
import type { CheckedSql } from './sql-fragments.ts';

export interface PolicySpec {
  name: string;
  table: string;
  schema: string;
  using?: CheckedSql;
  withCheck?: CheckedSql;
  action: 'PERMISSIVE' | 'RESTRICTIVE';
  command: 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'ALL';
  roles: string[];
}

/** PUBLIC is a keyword, not a role name; every other role is quoted. */
const roleList = (roles: string[]) => (roles.length ? roles : ['public']).map((r) => (r.toLowerCase() === 'public' ? 'PUBLIC' : id(r))).join(', ');

export function createPolicy(b: PolicySpec): string[] {
  let sql = `CREATE POLICY ${id(b.name)} ON ${qualified(b.schema, b.table)} AS ${b.action} FOR ${b.command} TO ${roleList(b.roles)}`;
  if (b.using) sql += ` USING ${b.using}`;
  if (b.withCheck) sql += ` WITH CHECK ${b.withCheck}`;
  return [sql];
}

export function updatePolicy(
  cur: { name: string; schema: string; table: string },
  b: { name?: string; using?: CheckedSql; withCheck?: CheckedSql; roles?: string[] },
): string[] {
  const on = `${id(cur.name)} ON ${qualified(cur.schema, cur.table)}`;
  const out: string[] = [];
  if (b.using !== undefined) out.push(`ALTER POLICY ${on} USING ${b.using}`);
  if (b.withCheck !== undefined) out.push(`ALTER POLICY ${on} WITH CHECK ${b.withCheck}`);
  if (b.roles !== undefined) out.push(`ALTER POLICY ${on} TO ${roleList(b.roles)}`);
  if (b.name && b.name !== cur.name) out.push(`ALTER POLICY ${on} RENAME TO ${id(b.name)}`);
  return out;
}

export const dropPolicy = (name: string, schema: string, table: string) => [`DROP POLICY ${id(name)} ON ${qualified(schema, table)}`];
