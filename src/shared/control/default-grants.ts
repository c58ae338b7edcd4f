/**
 * DB_DEFAULT_GRANTS: what the data API's roles get on tables, sequences and functions that the
 * server's login creates later in public (migrations, imports, the admin API). Always
 * service_role (control migration 0017). With `supabase`, anon and authenticated too, as a
 * Supabase project grants them (access is then up to row-level security); with `service_role`
 * (the default), they get only what the migration grants itself. Applied at every start, so
 * switching back revokes the defaults again. Objects that exist already keep their grants.
 */
import { setupTransaction } from './setup-transaction.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';

/** Advisory lock shared by instances starting together (ALTER DEFAULT PRIVILEGES races otherwise). */
const LOCK_KEY = 7_403_112_017;

// Fixed statements: no input reaches them.
const GRANT = [
  'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated',
  'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated',
  'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO anon, authenticated',
];
const REVOKE = [
  'ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM anon, authenticated',
  'ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM anon, authenticated',
  'ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE EXECUTE ON FUNCTIONS FROM anon, authenticated',
];

export async function applyDefaultGrants(config: Pick<Config, 'DATABASE_URL' | 'DB_DEFAULT_GRANTS'>, log: Logger): Promise<void> {
  await setupTransaction(
    config.DATABASE_URL,
    async (c) => {
      for (const sql of config.DB_DEFAULT_GRANTS === 'supabase' ? GRANT : REVOKE) await c.query(sql);
    },
    { lockKey: LOCK_KEY, applicationName: 'basalt-default-grants' },
  );
  log.info({ mode: config.DB_DEFAULT_GRANTS }, 'default privileges in public applied');
}
