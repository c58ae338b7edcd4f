/**
 * Creating and dropping a project's database and owner role. CREATE/DROP DATABASE cannot
 * run in a transaction, so each is a statement of its own; identifiers are quoted and the
 * password travels as a bind parameter to basalt.create_login_role (migration 0009).
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../config.ts';
import { listMigrations } from '../control/runner.ts';
import { setupTransaction } from '../control/setup-transaction.ts';
import { quoteIdent } from '../sql/ident.ts';
import { withTransaction, type Pool } from '../db/pool.ts';
import { setProjectStatus, type ManagementProject } from './projects.ts';
import { pgErrorKind } from '../db/sqlstate.ts';
import { catalog } from '../catalog/index.ts';

const BOOTSTRAP = readFileSync(new URL('./project-bootstrap.sql', import.meta.url), 'utf8');

/** A control-schema migration that project databases need too (they are immutable once released). */
function controlMigration(name: string): string {
  const m = listMigrations().find((x) => x.name === name);
  if (!m) throw new Error(`control migration ${name} is missing`);
  return m.sql;
}

/** `url` with its database name replaced. */
function withDatabase(url: string, dbName: string): string {
  const u = new URL(url);
  u.pathname = '/' + encodeURIComponent(dbName);
  return u.toString();
}

/**
 * The server's own login in a project database (a superuser, or the owner of every project
 * database): provisioning only, which is over before the project's owner may connect.
 */
export const projectAdminUrl = (config: Config, dbName: string) => withDatabase(config.DATABASE_URL, dbName);

/**
 * The login every other server session in a project database uses (schema cache, its
 * listener, data-API requests, type generation): one per project, `<db>_authenticator`,
 * NOINHERIT, holding only anon, authenticated and service_role, with CONNECT on that database
 * only. Not the shared `authenticator`: a function the project's owner exposes on its data API
 * can return to the session's login (set_config('role', 'none')) and, as that login, change
 * its own password or settings (any role may); the shared login opens the control database.
 */
export const projectLoginRole = (dbName: string) => `${dbName}_authenticator`;

/** Derived from a server secret, so every instance computes it and nothing is stored. */
function projectLoginPassword(config: Config, dbName: string): string {
  return createHmac('sha256', config.BASALT_MASTER_KEY || config.JWT_SECRET).update(`basalt-project-login:${dbName}`).digest('hex');
}

/** The project login's connection string (pure: no I/O). Make sure it exists with ensureProjectLogin first. */
export function projectRestUrl(config: Config, dbName: string): { url: string; loginRole: string } {
  const loginRole = projectLoginRole(dbName);
  const u = new URL(withDatabase(config.DATABASE_URL, dbName));
  u.username = encodeURIComponent(loginRole);
  u.password = projectLoginPassword(config, dbName);
  return { url: u.toString(), loginRole };
}

const PROJECT_LOGIN_LOCK = 7_403_112_004;

/**
 * Creates the project's login, or puts it back as it must be: attributes, the derived
 * password (the tenant can change it from inside one of its sessions, locking its own data
 * API out; a new JWT_SECRET or master key changes it), its three roles, CONNECT on its
 * database. Idempotent, run in the control database; instances serialize on an advisory lock
 * (concurrent ALTER ROLE fails with "tuple concurrently updated"). Projects created before
 * logins were per project get theirs the first time an instance serves them.
 */
export async function ensureProjectLogin(pool: Pool, config: Config, dbName: string): Promise<void> {
  const login = quoteIdent(projectLoginRole(dbName));
  await withTransaction(pool, async (c) => {
    await c.query('SELECT pg_catalog.pg_advisory_xact_lock($1)', [PROJECT_LOGIN_LOCK]);
    const existing = await c.query<{ exists: boolean }>(catalog.roleExists, [projectLoginRole(dbName)]);
    if (!existing.rows[0].exists) await c.query(`CREATE ROLE ${login} NOLOGIN NOINHERIT`);
    // The password is our own hex digest, never user input; ALTER ROLE takes no parameters.
    await c.query(
      `ALTER ROLE ${login} WITH LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '${projectLoginPassword(config, dbName)}'`,
    );
    await c.query(`GRANT anon, authenticated, service_role TO ${login}`);
    await c.query(`GRANT CONNECT ON DATABASE ${quoteIdent(dbName)} TO ${login}`);
    // Projects made before logins were per project let the shared authenticator in too.
    if ((await c.query<{ exists: boolean }>(catalog.roleExists, ['authenticator'])).rows[0].exists) {
      await c.query(`REVOKE CONNECT ON DATABASE ${quoteIdent(dbName)} FROM authenticator`);
    }
  });
}

/** Inserts the project row and creates its owner role, together or not at all. */
export async function insertProject(
  pool: Pool,
  p: Pick<ManagementProject, 'ref' | 'organizationId' | 'name' | 'region' | 'dbName' | 'ownerRole' | 'jwtSecretSealed'>,
  dbPass: string,
): Promise<ManagementProject> {
  return withTransaction(pool, async (c) => {
    const { rows } = await c.query<{ createdAt: Date }>(
      `INSERT INTO basalt.management_projects (ref, organization_id, name, region, db_name, owner_role, jwt_secret_sealed)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING created_at AS "createdAt"`,
      [p.ref, p.organizationId, p.name, p.region, p.dbName, p.ownerRole, p.jwtSecretSealed],
    );
    await c.query('SELECT basalt.create_login_role($1, $2)', [p.ownerRole, dbPass]);
    return { ...p, status: 'COMING_UP', statusDetail: null, createdAt: rows[0].createdAt };
  });
}

/**
 * The slow part: the database, its privileges, the reload trigger and auth helpers. Ends
 * ACTIVE_HEALTHY or INIT_FAILED. This is the only time the server works in a project database
 * as its own (superuser) login, and it is over before the project's owner can connect: the
 * database belongs to the server until the bootstrap is committed, nobody else may connect
 * (CONNECT is revoked from PUBLIC, and anyone who slipped in before that is ended), and only
 * then does the owner get the database and CONNECT. So no object of the owner's exists while
 * the superuser runs SQL there, and its session pins search_path besides.
 */
export async function provisionProjectDatabase(pool: Pool, config: Config, p: ManagementProject): Promise<void> {
  const db = quoteIdent(p.dbName);
  const owner = quoteIdent(p.ownerRole);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await pool.query(`CREATE DATABASE ${db}`);
        break;
      } catch (e) {
        // 55006: the template is busy (another CREATE DATABASE copying it); wait and retry.
        if (pgErrorKind(e) === 'object_in_use' && attempt < 20) {
          await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
          continue;
        }
        throw e;
      }
    }
    // PostgreSQL lets PUBLIC connect to a new database: take that back, and end any session
    // that got in meanwhile (another tenant's login). Best effort: a server login that is not
    // a superuser may not be allowed to end other roles' sessions.
    await pool.query(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC`);
    await pool
      .query('SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE datname OPERATOR(pg_catalog.=) $1 AND pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()', [p.dbName])
      .catch(() => {});

    await setupTransaction(
      projectAdminUrl(config, p.dbName),
      async (client) => {
        await client.query(`SELECT pg_catalog.set_config('basalt.project_owner', $1, true)`, [p.ownerRole]);
        // Supabase's auth.uid()/auth.jwt() helpers, then grants and the reload trigger, as the
        // default database has them.
        await client.query(controlMigration('auth_helpers'));
        await client.query(BOOTSTRAP);
        await client.query(controlMigration('schema_reload_trigger'));
      },
      { applicationName: 'basalt-project-setup' },
    );
    // Now the owner's, and open to it and to the project's data-API login only.
    await pool.query(`ALTER DATABASE ${db} OWNER TO ${owner}`);
    await pool.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${owner}`);
    await ensureProjectLogin(pool, config, p.dbName);
    const done = await pool.query(
      `UPDATE basalt.management_projects SET status = 'ACTIVE_HEALTHY', status_detail = NULL WHERE ref = $1 AND status = 'COMING_UP'`,
      [p.ref],
    );
    // Deleted meanwhile (by another instance): leave no orphan database or role behind.
    if (!done.rowCount) {
      await pool.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await dropProjectRoles(pool, p);
    }
  } catch (e) {
    await setProjectStatus(pool, p.ref, 'INIT_FAILED', (e as Error).message).catch(() => {});
    throw e;
  }
}

/** The owner and the data-API login (after the database is gone, so nothing of theirs is left in it). */
async function dropProjectRoles(pool: Pool, p: Pick<ManagementProject, 'dbName' | 'ownerRole'>): Promise<void> {
  await pool.query(`DROP ROLE IF EXISTS ${quoteIdent(projectLoginRole(p.dbName))}`);
  await pool.query(`DROP ROLE IF EXISTS ${quoteIdent(p.ownerRole)}`);
}

/** Drops the database (closing every connection to it) and the owner role, then the row. */
export async function dropProject(pool: Pool, p: Pick<ManagementProject, 'ref' | 'dbName' | 'ownerRole'>, graceMs = 3000): Promise<void> {
  // Give API instances that heard the invalidation time to close their pools cleanly;
  // FORCE then ends whatever is left (the owner's own sessions, a slow instance).
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'basalt-%'`,
      [p.dbName],
    );
    if (rows[0].n === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await pool.query(`DROP DATABASE IF EXISTS ${quoteIdent(p.dbName)} WITH (FORCE)`);
  await dropProjectRoles(pool, p);
  await pool.query('DELETE FROM basalt.management_projects WHERE ref = $1', [p.ref]);
}

/** The server's PostgreSQL version (e.g. 15.4), as the project's database.version. */
export async function serverVersion(pool: Pool): Promise<string> {
  const { rows } = await pool.query<{ v: string }>(`SELECT split_part(current_setting('server_version'), ' ', 1) AS v`);
  return rows[0].v;
}

/** serverVersion, read once the first time it is asked for (a failed read is retried next time). */
export function serverVersionOnce(pool: Pool): () => Promise<string> {
  let read: Promise<string> | undefined;
  return () => (read ??= serverVersion(pool).catch((e) => ((read = undefined), Promise.reject(e))));
}
