/**
 * Creating and dropping a project's database and owner role. CREATE/DROP DATABASE cannot
 * run in a transaction, so each is a statement of its own; identifiers are quoted and the
 * password travels as a bind parameter to basalt.create_login_role (migration 0009).
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { Config } from '../config.ts';
import { listMigrations } from '../control/runner.ts';
import { restConnectionUrl } from '../control/authenticator.ts';
import { quoteIdent } from '../sql/ident.ts';
import { serverSession, withTransaction, type Pool } from '../db/pool.ts';
import { setProjectStatus, type ManagementProject } from './projects.ts';

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

/** The server's own (owner) connection to a project database: schema cache, typegen, set-up. */
export const projectAdminUrl = (config: Config, dbName: string) => withDatabase(config.DATABASE_URL, dbName);

/** The data API's login (authenticator) to a project database. Uses the server's config: its password derives from JWT_SECRET. */
export function projectRestUrl(config: Config, dbName: string): { url: string; loginRole: string } {
  const r = restConnectionUrl(config);
  return { url: withDatabase(r.url, dbName), loginRole: r.loginRole };
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

/** The slow part: the database, its privileges, the reload trigger and auth helpers. Ends ACTIVE_HEALTHY or INIT_FAILED. */
export async function provisionProjectDatabase(pool: Pool, config: Config, p: ManagementProject): Promise<void> {
  const db = quoteIdent(p.dbName);
  const owner = quoteIdent(p.ownerRole);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await pool.query(`CREATE DATABASE ${db} OWNER ${owner}`);
        break;
      } catch (e) {
        // 55006: the template is busy (another CREATE DATABASE copying it); wait and retry.
        if ((e as { code?: string }).code === '55006' && attempt < 20) {
          await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
          continue;
        }
        throw e;
      }
    }
    // Only the owner, the data API's login role and the server itself may connect.
    await pool.query(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC`);
    await pool.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${owner}`);
    await pool.query(`GRANT CONNECT ON DATABASE ${db} TO ${quoteIdent(projectRestUrl(config, p.dbName).loginRole)}`);

    const client = new pg.Client(serverSession(projectAdminUrl(config, p.dbName), 'basalt-project-setup'));
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('basalt.project_owner', $1, true)`, [p.ownerRole]);
      // Supabase's auth.uid()/auth.jwt() helpers, then grants and the reload trigger, then
      // basalt.raise_error that the data API's writes call: as the default database has them.
      await client.query(controlMigration('auth_helpers'));
      await client.query(BOOTSTRAP);
      await client.query(controlMigration('schema_reload_trigger'));
      await client.query(controlMigration('raise_error'));
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      await client.end().catch(() => {});
    }
    const done = await pool.query(
      `UPDATE basalt.management_projects SET status = 'ACTIVE_HEALTHY', status_detail = NULL WHERE ref = $1 AND status = 'COMING_UP'`,
      [p.ref],
    );
    // Deleted meanwhile (by another instance): leave no orphan database or role behind.
    if (!done.rowCount) {
      await pool.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await pool.query(`DROP ROLE IF EXISTS ${owner}`);
    }
  } catch (e) {
    await setProjectStatus(pool, p.ref, 'INIT_FAILED', (e as Error).message).catch(() => {});
    throw e;
  }
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
  await pool.query(`DROP ROLE IF EXISTS ${quoteIdent(p.ownerRole)}`);
  await pool.query('DELETE FROM basalt.management_projects WHERE ref = $1', [p.ref]);
}

let versionCache: string | undefined;
/** The server's PostgreSQL version (e.g. 15.4), as the project's database.version. */
export async function serverVersion(pool: Pool): Promise<string> {
  if (versionCache) return versionCache;
  const { rows } = await pool.query<{ v: string }>(`SELECT split_part(current_setting('server_version'), ' ', 1) AS v`);
  versionCache = rows[0].v;
  return versionCache;
}
