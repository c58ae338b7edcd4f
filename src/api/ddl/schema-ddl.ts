/** CREATE / ALTER / DROP SCHEMA. */
import { quoteIdent as id } from '../../shared/sql/ident.ts';
import { dropBehaviour } from './clauses.ts';

export function createSchema(b: { name: string; owner?: string }): string[] {
  return [`CREATE SCHEMA ${id(b.name)}${b.owner ? ` AUTHORIZATION ${id(b.owner)}` : ''}`];
}

export function updateSchema(current: string, b: { name?: string; owner?: string }): string[] {
  const out: string[] = [];
  if (b.owner) out.push(`ALTER SCHEMA ${id(current)} OWNER TO ${id(b.owner)}`);
  if (b.name && b.name !== current) out.push(`ALTER SCHEMA ${id(current)} RENAME TO ${id(b.name)}`);
  return out;
}

export const dropSchema = (name: string, cascade?: boolean) => [`DROP SCHEMA ${id(name)} ${dropBehaviour(cascade)}`];
