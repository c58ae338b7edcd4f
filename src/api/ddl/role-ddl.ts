/** CREATE / ALTER / DROP ROLE with postgres-meta's attributes. */
import { quoteIdent as id, quoteLiteral as lit } from '../../shared/sql/ident.ts';
import { bad, settingName, settingValue } from './clauses.ts';

export interface RoleAttributes {
  password?: string;
  inherit_role?: boolean;
  can_login?: boolean;
  is_superuser?: boolean;
  can_create_db?: boolean;
  can_create_role?: boolean;
  is_replication_role?: boolean;
  can_bypass_rls?: boolean;
  connection_limit?: number;
  valid_until?: string;
}

function roleOptions(b: RoleAttributes): string {
  const o: string[] = [];
  const flag = (v: boolean | undefined, yes: string, no: string) => v !== undefined && o.push(v ? yes : no);
  flag(b.is_superuser, 'SUPERUSER', 'NOSUPERUSER');
  flag(b.can_create_db, 'CREATEDB', 'NOCREATEDB');
  flag(b.can_create_role, 'CREATEROLE', 'NOCREATEROLE');
  flag(b.inherit_role, 'INHERIT', 'NOINHERIT');
  flag(b.can_login, 'LOGIN', 'NOLOGIN');
  flag(b.is_replication_role, 'REPLICATION', 'NOREPLICATION');
  flag(b.can_bypass_rls, 'BYPASSRLS', 'NOBYPASSRLS');
  if (b.connection_limit !== undefined) o.push(`CONNECTION LIMIT ${Math.trunc(b.connection_limit)}`);
  if (b.password !== undefined) o.push(`PASSWORD ${lit(b.password)}`);
  if (b.valid_until !== undefined) o.push(`VALID UNTIL ${lit(b.valid_until)}`);
  return o.join(' ');
}

export interface RoleCreate extends RoleAttributes {
  name: string;
  member_of?: string[];
  members?: string[];
  admins?: string[];
  config?: Record<string, string>;
}

export function createRole(b: RoleCreate): string[] {
  let sql = `CREATE ROLE ${id(b.name)}`;
  const opts = roleOptions(b);
  if (opts) sql += ` WITH ${opts}`;
  if (b.member_of?.length) sql += ` IN ROLE ${b.member_of.map(id).join(', ')}`;
  if (b.members?.length) sql += ` ROLE ${b.members.map(id).join(', ')}`;
  if (b.admins?.length) sql += ` ADMIN ${b.admins.map(id).join(', ')}`;
  const out = [sql];
  for (const [k, v] of Object.entries(b.config ?? {})) out.push(`ALTER ROLE ${id(b.name)} SET ${settingName(k)} TO ${settingValue(v)}`);
  return out;
}

export interface RoleUpdate extends RoleAttributes {
  name?: string;
  config?: { op: 'add' | 'replace' | 'remove'; path: string; value?: string }[];
}

export function updateRole(current: string, b: RoleUpdate): string[] {
  const out: string[] = [];
  const opts = roleOptions(b);
  if (opts) out.push(`ALTER ROLE ${id(current)} WITH ${opts}`);
  for (const c of b.config ?? []) {
    if (c.op === 'remove') out.push(`ALTER ROLE ${id(current)} RESET ${settingName(c.path)}`);
    else {
      if (c.value === undefined) throw bad(`config ${c.op} of ${c.path} needs a value`);
      out.push(`ALTER ROLE ${id(current)} SET ${settingName(c.path)} TO ${settingValue(c.value)}`);
    }
  }
  if (b.name && b.name !== current) out.push(`ALTER ROLE ${id(current)} RENAME TO ${id(b.name)}`);
  return out;
}

export const dropRole = (name: string) => [`DROP ROLE ${id(name)}`];

/** Drops what the role owns in this database and revokes what it was granted. */
export const dropOwnedBy = (name: string) => [`DROP OWNED BY ${id(name)}`];
