/**
 * Schemas created as projects (POST /api/schema/create) are tenants of the main database.
 * Each has its own roles, so that no session working for tenant A can become a role that
 * reaches tenant B (PostgreSQL lets a session SET ROLE to any role its session user holds,
 * even from inside a function):
 *
 *   <schema>_user           the owner, a login whose password the admin chose
 *   <schema>_authenticator  the server's login for this tenant (NOINHERIT, password derived
 *                           from a server secret); it holds only the four roles below
 *   <schema>_anon, <schema>_authenticated, <schema>_service_role (BYPASSRLS)
 *                           what the data API's anon / authenticated / service_role become
 *
 * Grants on the schema go to the tenant's own roles only, never to the server-wide
 * anon/authenticated/service_role of the default /rest/v1.
 */
import { createHmac } from 'node:crypto';
import type pg from 'pg';
import { setupTransaction } from '../control/setup-transaction.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { quoteIdent } from '../sql/ident.ts';
import { catalog } from '../catalog/index.ts';

/** Serialises every change to tenant roles and their grants, across instances (a transaction-level advisory lock). */
const TENANT_ROLES_LOCK_KEY = 7_403_112_003;

/** The longest schema name whose role names (`_authenticated`, `_authenticator`) still fit PostgreSQL's 63. */
export const TENANT_SCHEMA_MAX = 63 - '_authenticated'.length;

export interface SchemaTenant {
  schema: string;
  owner: string;
  login: string;
  anon: string;
  authenticated: string;
  service: string;
}

export function schemaTenant(schema: string, owner = `${schema}_user`): SchemaTenant {
  return {
    schema,
    owner,
    login: `${schema}_authenticator`,
    anon: `${schema}_anon`,
    authenticated: `${schema}_authenticated`,
    service: `${schema}_service_role`,
  };
}

/** The data API's role names (from a token or key) → the tenant's own roles. */
export function tenantRoleFor(t: SchemaTenant, role: string): string | undefined {
  if (role === 'anon' || role === t.anon) return t.anon;
  if (role === 'authenticated' || role === t.authenticated) return t.authenticated;
  if (role === 'service_role' || role === t.service) return t.service;
  return undefined;
}

/**
 * The secret tenant login passwords derive from: BASALT_MASTER_KEY, else JWT_SECRET. Every
 * process computes the same password, so nothing is stored. Undefined: no secret to derive from.
 */
function loginSecret(config: Config): string | undefined {
  return config.BASALT_MASTER_KEY || config.JWT_SECRET || undefined;
}

export function tenantLoginPassword(config: Config, schema: string): string {
  const secret = loginSecret(config);
  if (!secret) throw new Error('No BASALT_MASTER_KEY or JWT_SECRET to derive tenant login passwords from');
  return createHmac('sha256', secret).update(`basalt-tenant-login:${schema}`).digest('hex');
}

/** DATABASE_URL with the tenant's login and password. */
export function tenantLoginUrl(config: Config, schema: string): string {
  const u = new URL(config.DATABASE_URL);
  u.username = encodeURIComponent(schemaTenant(schema).login);
  u.password = tenantLoginPassword(config, schema);
  return u.toString();
}

/** The owner login of a project schema, or undefined when the schema is not a project (the operator's). */
export async function projectOwner(db: Pick<pg.ClientBase, 'query'>, schema: string): Promise<string | undefined> {
  const { rows } = await db.query<{ username: string }>('SELECT username FROM basalt.projects WHERE schema_name = $1', [schema]);
  return rows[0]?.username;
}

const roleExists = async (c: pg.ClientBase, name: string) => (await c.query<{ exists: boolean }>(catalog.roleExists, [name])).rows[0].exists;

/**
 * Creates the tenant's roles and grants, in the caller's transaction, as the server's own
 * user. Idempotent. `adopt` also moves an existing schema's grants from the server-wide data
 * API roles to the tenant's (a project created before tenants had roles of their own).
 */
export async function provisionSchemaTenant(c: pg.ClientBase, config: Config, t: SchemaTenant, adopt = false): Promise<void> {
  const q = quoteIdent;
  // Grants on the database row (CONNECT) from two transactions at once fail with "tuple concurrently updated".
  await c.query('SELECT pg_catalog.pg_advisory_xact_lock($1)', [TENANT_ROLES_LOCK_KEY]);
  for (const [role, attrs] of [
    [t.anon, 'NOLOGIN NOINHERIT'],
    [t.authenticated, 'NOLOGIN NOINHERIT'],
    [t.service, 'NOLOGIN NOINHERIT BYPASSRLS'],
  ] as const) {
    if (!(await roleExists(c, role))) await c.query(`CREATE ROLE ${q(role)} ${attrs}`);
  }
  if (!(await roleExists(c, t.login))) await c.query(`CREATE ROLE ${q(t.login)} NOLOGIN NOINHERIT`);
  // The password is our own hex digest, never user input; ALTER ROLE takes no parameters.
  await c.query(`ALTER ROLE ${q(t.login)} WITH LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '${tenantLoginPassword(config, t.schema)}'`);
  const api = [t.anon, t.authenticated, t.service].map(q).join(', ');
  await c.query(`GRANT ${api}, ${q(t.owner)} TO ${q(t.login)}`);
  const db = q((await c.query<{ db: string }>('SELECT pg_catalog.current_database() AS db')).rows[0].db);
  await c.query(`GRANT CONNECT ON DATABASE ${db} TO ${q(t.owner)}, ${q(t.login)}`);
  const schema = q(t.schema);
  const owner = q(t.owner);
  await c.query(`GRANT USAGE ON SCHEMA ${schema} TO ${api}`);
  // Supabase's helpers (auth.uid(), …).
  await c.query(`GRANT USAGE ON SCHEMA auth TO ${api}`);
  await c.query(`GRANT EXECUTE ON FUNCTION auth.jwt(), auth.uid(), auth.role(), auth.email() TO ${api}`);
  await c.query(`GRANT USAGE ON SCHEMA auth TO ${owner}`);
  // Jobs on the tenant's tables record their outcome in their own transaction (migration 0016).
  await c.query(`GRANT USAGE ON SCHEMA basalt TO ${q(t.login)}`);
  await c.query(`GRANT EXECUTE ON FUNCTION basalt.record_tenant_job_outcome(text, jsonb) TO ${q(t.login)}`);
  // What the owner creates is usable by its data API roles; RLS decides rows.
  await c.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA ${schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${api}`);
  await c.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA ${schema} GRANT USAGE, SELECT ON SEQUENCES TO ${api}`);
  await c.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA ${schema} GRANT EXECUTE ON FUNCTIONS TO ${api}`);
  if (!adopt) return;
  const shared = ['anon', 'authenticated', 'service_role'].map(q).join(', ');
  await c.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${api}`);
  await c.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO ${api}`);
  await c.query(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${schema} TO ${api}`);
  await c.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${schema} FROM ${shared}`);
  await c.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${schema} FROM ${shared}`);
  await c.query(`REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ${schema} FROM ${shared}`);
  await c.query(`REVOKE ALL ON SCHEMA ${schema} FROM ${shared}`);
  await c.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA ${schema} REVOKE ALL ON TABLES FROM ${shared}`);
  await c.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA ${schema} REVOKE ALL ON SEQUENCES FROM ${shared}`);
  await c.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA ${schema} REVOKE ALL ON FUNCTIONS FROM ${shared}`);
}

/** Drops the tenant's server-side roles (the owner is dropped by the caller), ending their sessions first. */
export async function dropSchemaTenantRoles(c: pg.ClientBase, t: SchemaTenant): Promise<void> {
  const roles = [t.login, t.anon, t.authenticated, t.service];
  await c.query('SELECT pg_catalog.pg_advisory_xact_lock($1)', [TENANT_ROLES_LOCK_KEY]);
  await c.query('SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE usename = $1', [t.login]);
  for (const r of roles) {
    if (!(await roleExists(c, r))) continue;
    await c.query(`DROP OWNED BY ${quoteIdent(r)}`);
    await c.query(`DROP ROLE ${quoteIdent(r)}`);
  }
}

/**
 * At start, before web processes fork: every project schema gets its roles (adopting grants
 * made before tenants had roles of their own) and its login's current password. One
 * transaction under an advisory lock, so instances starting together do not race.
 */
export async function reconcileSchemaTenants(c: pg.ClientBase, config: Config, log: Logger): Promise<void> {
  const { rows } = await c.query<{ schema_name: string; username: string }>(catalog.projectSchemas);
  for (const r of rows) {
    if (r.schema_name.length > TENANT_SCHEMA_MAX) {
      log.warn({ schema: r.schema_name }, `project schema name longer than ${TENANT_SCHEMA_MAX} characters: its tenant roles cannot be named; it is not served`);
      continue;
    }
    const t = schemaTenant(r.schema_name, r.username);
    const adopt = !(await roleExists(c, t.login));
    await provisionSchemaTenant(c, config, t, adopt);
    if (adopt) log.info({ schema: t.schema }, 'project schema moved to its own tenant roles');
  }
}


/** reconcileSchemaTenants on a connection of its own, under an advisory lock; a failure is logged, not fatal. */
export async function prepareSchemaTenants(config: Config, log: Logger): Promise<void> {
  try {
    await setupTransaction(config.DATABASE_URL, (client) => reconcileSchemaTenants(client, config, log), { lockKey: TENANT_ROLES_LOCK_KEY });
  } catch (e) {
    log.error({ err: (e as Error).message }, 'cannot prepare the project schemas\' tenant roles; their data APIs will refuse to connect');
  }
}
