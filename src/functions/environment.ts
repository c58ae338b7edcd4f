/**
 * What a function sees in Deno.env: its project's secrets and the four variables Supabase
 * gives every function; nothing of the server's own environment.
 */
import type { Config } from '../shared/config.ts';
import type { Pool } from '../shared/db/pool.ts';
import { openWithMasterKey } from '../shared/crypto/master-key.ts';
import { projectApiKeys } from '../shared/management/project-keys.ts';
import { ensureProjectLogin, projectRestUrl } from '../shared/management/project-database.ts';

export interface ProjectFacts {
  ref: string;
  dbName: string;
  jwtSecret: string;
  createdAt: Date;
}

/** SUPABASE_URL's base: how functions reach this server's API. */
export const apiBaseUrl = (config: Config) => (config.FUNCTIONS_API_URL ?? `http://127.0.0.1:${config.PORT}`).replace(/\/+$/, '');

export async function functionEnvironment(pool: Pool, config: Config, p: ProjectFacts): Promise<Record<string, string>> {
  const { rows } = await pool.query<{ name: string; value_sealed: string }>('SELECT name, value_sealed FROM basalt.project_secrets WHERE project_ref = $1', [p.ref]);
  const env: Record<string, string> = {};
  for (const r of rows) env[r.name] = openWithMasterKey(config, r.value_sealed);
  const keys = await projectApiKeys(p.jwtSecret, p.ref, p.createdAt);
  // The project's own data-API login (it holds anon, authenticated and service_role): the
  // owner's password is not stored, and this login reaches no other database.
  await ensureProjectLogin(pool, config, p.dbName);
  return {
    ...env,
    SUPABASE_URL: `${apiBaseUrl(config)}/project/${p.ref}`,
    SUPABASE_ANON_KEY: keys.anon,
    SUPABASE_SERVICE_ROLE_KEY: keys.service_role,
    SUPABASE_DB_URL: projectRestUrl(config, p.dbName).url,
  };
}
