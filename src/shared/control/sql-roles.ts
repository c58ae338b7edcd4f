import { createHmac } from 'node:crypto';
import { setupTransaction } from './setup-transaction.ts';
import { catalog } from '../catalog/index.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { quoteIdent } from '../sql/ident.ts';
import type { SqlMode } from '../sql/strict-rules.ts';

/** The login each raw SQL mode runs as (created by control migration 0015). */
export const SQL_ROLES: Readonly<Record<SqlMode, string>> = { strict: 'basalt_sql_strict', relaxed: 'basalt_sql_relaxed' };
const LOCK_KEY = 7_403_112_015;

// One label per role, so knowing one password tells nothing about the other.
const passwordOf = (config: Config, mode: SqlMode) => createHmac('sha256', config.JWT_SECRET).update(`basalt-sql-${mode}`).digest('hex');

/**
 * Enables the raw SQL logins with their derived passwords, after checking that neither holds a
 * right that would escape its bounds (someone may have granted one since migration 0015); a
 * role that does stays NOLOGIN, and its endpoint answers 503. Run once per start, before web
 * processes fork, like enableAuthenticatorLogin (ALTER ROLE races otherwise: "tuple
 * concurrently updated"); the advisory lock covers instances on other hosts. Never falls back
 * to the server's own login: without these roles, raw SQL is unavailable.
 */
export async function enableSqlRoleLogins(config: Config, log: Logger): Promise<void> {
  // Every name below is schema-qualified, so the session's search_path does not matter.
  try {
    await setupTransaction(config.DATABASE_URL, async (client) => {
      const { rows } = await client.query<{ role: string; rights: string[] }>(catalog.escapeRights, [Object.values(SQL_ROLES)]);
      for (const mode of Object.keys(SQL_ROLES) as SqlMode[]) {
        const role = SQL_ROLES[mode];
        const found = rows.find((r) => r.role === role);
        if (!found) throw new Error(`role ${role} is missing (control migration 0015)`);
        // ALTER ROLE takes no parameters; the password is our own hex digest, never user input.
        if (found.rights.length) {
          await client.query(`ALTER ROLE ${quoteIdent(role)} WITH NOLOGIN`);
          log.error({ role, rights: found.rights }, `raw SQL (${mode}) is disabled: its role holds rights it must not have; revoke them and restart`);
        } else {
          await client.query(`ALTER ROLE ${quoteIdent(role)} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD '${passwordOf(config, mode)}'`);
        }
      }
    }, { lockKey: LOCK_KEY });
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'cannot enable the raw SQL logins; /api/database/advance/rawsql answers 503 until they can log in');
  }
}

/** The connection string raw SQL in `mode` uses (pure: no I/O, the same in every process). */
export function sqlRoleConnectionUrl(config: Config, mode: SqlMode): string {
  const u = new URL(config.DATABASE_URL);
  u.username = SQL_ROLES[mode];
  u.password = passwordOf(config, mode);
  return u.toString();
}
