import { quoteIdent as id, qualified, quoteLiteral as lit } from '../../shared/sql/ident.ts';
import { fail } from '../../shared/errors.ts';
import { expression, functionArgument, returnType, typeName } from './sql-fragments.ts';

/**
 * The DDL behind the Postgres Admin API's create/update/delete routes, rendered from
 * postgres-meta's request bodies. Identifiers are always quoted, values are literals
 * (PostgreSQL takes no parameters in DDL) and SQL fragments are checked by the parser
 * (sql-fragments.ts). Each function returns the statements to run, in order.
 */

const bad = (message: string) => fail('VALIDATION_ERROR', message);
const drop = (cascade?: boolean) => (cascade ? 'CASCADE' : 'RESTRICT');
const comment = (target: string, text: string | null | undefined) =>
  `COMMENT ON ${target} IS ${text === null || text === undefined || text === '' ? 'NULL' : lit(text)}`;

/** A configuration parameter name (search_path, statement_timeout, app.setting). */
function settingName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/.test(name)) throw bad(`Invalid configuration parameter name ${JSON.stringify(name)}`);
  return name;
}

/** A setting's value; a comma-separated list (search_path) becomes a list of literals. */
function settingValue(value: string): string {
  return value.split(',').map((v) => lit(v.trim())).join(', ');
}

// ---- schemas

export function createSchema(b: { name: string; owner?: string }): string[] {
  return [`CREATE SCHEMA ${id(b.name)}${b.owner ? ` AUTHORIZATION ${id(b.owner)}` : ''}`];
}

export function updateSchema(current: string, b: { name?: string; owner?: string }): string[] {
  const out: string[] = [];
  if (b.owner) out.push(`ALTER SCHEMA ${id(current)} OWNER TO ${id(b.owner)}`);
  if (b.name && b.name !== current) out.push(`ALTER SCHEMA ${id(current)} RENAME TO ${id(b.name)}`);
  return out;
}

export const dropSchema = (name: string, cascade?: boolean) => [`DROP SCHEMA ${id(name)} ${drop(cascade)}`];

// ---- tables

export function createTable(b: { name: string; schema: string; comment?: string }): string[] {
  const t = qualified(b.schema, b.name);
  return [`CREATE TABLE ${t} ()`, ...(b.comment !== undefined ? [comment(`TABLE ${t}`, b.comment)] : [])];
}

export interface TableUpdate {
  name?: string;
  schema?: string;
  rls_enabled?: boolean;
  rls_forced?: boolean;
  replica_identity?: 'DEFAULT' | 'INDEX' | 'FULL' | 'NOTHING';
  replica_identity_index?: string;
  primary_keys?: { name: string }[];
  comment?: string;
}

/** `pkConstraint`: the name of the table's current primary key constraint, if any. */
export function updateTable(cur: { schema: string; name: string; pkConstraint: string | null }, b: TableUpdate): string[] {
  const t = qualified(cur.schema, cur.name);
  const out: string[] = [];
  if (b.rls_enabled !== undefined) out.push(`ALTER TABLE ${t} ${b.rls_enabled ? 'ENABLE' : 'DISABLE'} ROW LEVEL SECURITY`);
  if (b.rls_forced !== undefined) out.push(`ALTER TABLE ${t} ${b.rls_forced ? 'FORCE' : 'NO FORCE'} ROW LEVEL SECURITY`);
  if (b.replica_identity !== undefined) {
    if (b.replica_identity === 'INDEX') {
      if (!b.replica_identity_index) throw bad('replica_identity INDEX needs replica_identity_index');
      out.push(`ALTER TABLE ${t} REPLICA IDENTITY USING INDEX ${id(b.replica_identity_index)}`);
    } else out.push(`ALTER TABLE ${t} REPLICA IDENTITY ${b.replica_identity}`);
  }
  if (b.primary_keys !== undefined) {
    if (cur.pkConstraint) out.push(`ALTER TABLE ${t} DROP CONSTRAINT ${id(cur.pkConstraint)}`);
    if (b.primary_keys.length) out.push(`ALTER TABLE ${t} ADD PRIMARY KEY (${b.primary_keys.map((k) => id(k.name)).join(', ')})`);
  }
  if (b.comment !== undefined) out.push(comment(`TABLE ${t}`, b.comment));
  let name = cur.name;
  if (b.name && b.name !== cur.name) {
    out.push(`ALTER TABLE ${t} RENAME TO ${id(b.name)}`);
    name = b.name;
  }
  if (b.schema && b.schema !== cur.schema) out.push(`ALTER TABLE ${qualified(cur.schema, name)} SET SCHEMA ${id(b.schema)}`);
  return out;
}

export const dropTable = (schema: string, name: string, cascade?: boolean) => [`DROP TABLE ${qualified(schema, name)} ${drop(cascade)}`];

// ---- columns

type DefaultFormat = 'expression' | 'literal';

/** A DEFAULT clause's value: a literal (strings as given, anything else as JSON text) or a checked expression. */
async function defaultValue(value: unknown, format: DefaultFormat | undefined): Promise<string> {
  if (format === 'expression') {
    if (typeof value !== 'string') throw bad('default_value must be a string when default_value_format is expression');
    return expression(value, 'default_value');
  }
  if (value === null) return 'NULL';
  return lit(typeof value === 'string' ? value : JSON.stringify(value));
}

export interface ColumnCreate {
  name: string;
  type: string;
  default_value?: unknown;
  default_value_format?: DefaultFormat;
  is_identity?: boolean;
  identity_generation?: 'BY DEFAULT' | 'ALWAYS';
  is_nullable?: boolean;
  is_primary_key?: boolean;
  is_unique?: boolean;
  comment?: string;
  check?: string;
}

export async function createColumn(table: { schema: string; name: string }, b: ColumnCreate): Promise<string[]> {
  const t = qualified(table.schema, table.name);
  const parts = [`ALTER TABLE ${t} ADD COLUMN ${id(b.name)} ${await typeName(b.type)}`];
  if (b.is_identity) parts.push(`GENERATED ${b.identity_generation ?? 'BY DEFAULT'} AS IDENTITY`);
  if (b.default_value !== undefined) parts.push(`DEFAULT ${await defaultValue(b.default_value, b.default_value_format)}`);
  if (b.is_nullable === false) parts.push('NOT NULL');
  if (b.is_primary_key) parts.push('PRIMARY KEY');
  if (b.is_unique) parts.push('UNIQUE');
  if (b.check) parts.push(`CHECK ${await expression(b.check, 'check')}`);
  const out = [parts.join(' ')];
  if (b.comment !== undefined) out.push(comment(`COLUMN ${t}.${id(b.name)}`, b.comment));
  return out;
}

export interface ColumnUpdate {
  name?: string;
  type?: string;
  drop_default?: boolean;
  default_value?: unknown;
  default_value_format?: DefaultFormat;
  is_identity?: boolean;
  identity_generation?: 'BY DEFAULT' | 'ALWAYS';
  is_nullable?: boolean;
  is_unique?: boolean;
  comment?: string;
  check?: string | null;
}

/** `cur` also names the column's single-column UNIQUE and CHECK constraints, which is_unique/check replace. */
export async function updateColumn(
  cur: { schema: string; table: string; name: string; is_identity: boolean; uniqueConstraints: string[]; checkConstraints: string[] },
  b: ColumnUpdate,
): Promise<string[]> {
  const t = qualified(cur.schema, cur.table);
  const c = id(cur.name);
  const out: string[] = [];
  if (b.type !== undefined) {
    const type = await typeName(b.type);
    out.push(`ALTER TABLE ${t} ALTER COLUMN ${c} SET DATA TYPE ${type} USING ${c}::${type}`);
  }
  if (b.drop_default) out.push(`ALTER TABLE ${t} ALTER COLUMN ${c} DROP DEFAULT`);
  else if (b.default_value !== undefined) out.push(`ALTER TABLE ${t} ALTER COLUMN ${c} SET DEFAULT ${await defaultValue(b.default_value, b.default_value_format)}`);
  if (b.is_identity === false && cur.is_identity) out.push(`ALTER TABLE ${t} ALTER COLUMN ${c} DROP IDENTITY`);
  else if (b.is_identity === true && !cur.is_identity) out.push(`ALTER TABLE ${t} ALTER COLUMN ${c} ADD GENERATED ${b.identity_generation ?? 'BY DEFAULT'} AS IDENTITY`);
  else if (b.identity_generation && cur.is_identity) out.push(`ALTER TABLE ${t} ALTER COLUMN ${c} SET GENERATED ${b.identity_generation}`);
  if (b.is_nullable !== undefined) out.push(`ALTER TABLE ${t} ALTER COLUMN ${c} ${b.is_nullable ? 'DROP' : 'SET'} NOT NULL`);
  if (b.is_unique === true && !cur.uniqueConstraints.length) out.push(`ALTER TABLE ${t} ADD UNIQUE (${c})`);
  if (b.is_unique === false) for (const k of cur.uniqueConstraints) out.push(`ALTER TABLE ${t} DROP CONSTRAINT ${id(k)}`);
  if (b.check !== undefined) {
    for (const k of cur.checkConstraints) out.push(`ALTER TABLE ${t} DROP CONSTRAINT ${id(k)}`);
    if (b.check !== null && b.check !== '') out.push(`ALTER TABLE ${t} ADD CHECK ${await expression(b.check, 'check')}`);
  }
  if (b.comment !== undefined) out.push(comment(`COLUMN ${t}.${c}`, b.comment));
  if (b.name && b.name !== cur.name) out.push(`ALTER TABLE ${t} RENAME COLUMN ${c} TO ${id(b.name)}`);
  return out;
}

export const dropColumn = (schema: string, table: string, name: string, cascade?: boolean) => [
  `ALTER TABLE ${qualified(schema, table)} DROP COLUMN ${id(name)} ${drop(cascade)}`,
];

// ---- policies

export interface PolicyCreate {
  name: string;
  table: string;
  schema: string;
  definition?: string;
  check?: string;
  action: 'PERMISSIVE' | 'RESTRICTIVE';
  command: 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'ALL';
  roles: string[];
}

/** PUBLIC is a keyword, not a role name; every other role is quoted. */
const roleList = (roles: string[]) => roles.map((r) => (r.toLowerCase() === 'public' ? 'PUBLIC' : id(r))).join(', ');

export async function createPolicy(b: PolicyCreate): Promise<string[]> {
  let sql = `CREATE POLICY ${id(b.name)} ON ${qualified(b.schema, b.table)} AS ${b.action} FOR ${b.command} TO ${roleList(b.roles.length ? b.roles : ['public'])}`;
  if (b.definition) sql += ` USING ${await expression(b.definition, 'definition')}`;
  if (b.check) sql += ` WITH CHECK ${await expression(b.check, 'check')}`;
  return [sql];
}

export async function updatePolicy(
  cur: { name: string; schema: string; table: string },
  b: { name?: string; definition?: string; check?: string; roles?: string[] },
): Promise<string[]> {
  const on = `${id(cur.name)} ON ${qualified(cur.schema, cur.table)}`;
  const out: string[] = [];
  if (b.definition !== undefined) out.push(`ALTER POLICY ${on} USING ${await expression(b.definition, 'definition')}`);
  if (b.check !== undefined) out.push(`ALTER POLICY ${on} WITH CHECK ${await expression(b.check, 'check')}`);
  if (b.roles !== undefined) out.push(`ALTER POLICY ${on} TO ${roleList(b.roles.length ? b.roles : ['public'])}`);
  if (b.name && b.name !== cur.name) out.push(`ALTER POLICY ${on} RENAME TO ${id(b.name)}`);
  return out;
}

export const dropPolicy = (name: string, schema: string, table: string) => [`DROP POLICY ${id(name)} ON ${qualified(schema, table)}`];

// ---- roles

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

// ---- extensions

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

// ---- functions

export interface FunctionCreate {
  name: string;
  schema: string;
  args: string[];
  definition: string;
  return_type: string;
  language: string;
  behavior: 'IMMUTABLE' | 'STABLE' | 'VOLATILE';
  security_definer: boolean;
  config_params?: Record<string, string>;
}

/** `argumentTypes`: the current argument list as PostgreSQL prints it, when replacing an existing function. */
export async function createFunction(b: FunctionCreate, o: { replace?: boolean; argumentTypes?: string } = {}): Promise<string> {
  const args = o.argumentTypes ?? (await Promise.all(b.args.map(functionArgument))).join(', ');
  const lines = [
    `CREATE ${o.replace ? 'OR REPLACE ' : ''}FUNCTION ${qualified(b.schema, b.name)}(${args})`,
    `RETURNS ${await returnType(b.return_type)}`,
    `LANGUAGE ${id(b.language)}`,
    b.behavior,
    b.security_definer ? 'SECURITY DEFINER' : 'SECURITY INVOKER',
  ];
  for (const [k, v] of Object.entries(b.config_params ?? {})) {
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
