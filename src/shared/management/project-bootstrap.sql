-- Run once in a new project database, as the server's own database user, after the auth
-- helpers (migration 0004) and set_config('basalt.project_owner', <owner role>, true).
-- The owner role owns the database.

-- What the data API's roles may use: like Supabase, grants are broad and row-level
-- security is the guard, so tables the owner creates are reachable as soon as they exist.
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
DO $$
DECLARE
  owner text := current_setting('basalt.project_owner');
BEGIN
  EXECUTE format('GRANT ALL ON SCHEMA public TO %I', owner);
  -- Policies the owner writes call auth.uid(), auth.jwt() (created just before this file runs).
  EXECUTE format('GRANT USAGE ON SCHEMA auth TO %I', owner);
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role', owner);
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role', owner);
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO anon, authenticated, service_role', owner);
END $$;

-- The project's schema cache listens on this database; the reload trigger (control
-- migration schema_reload_trigger, run right after this file) lives in this schema.
CREATE SCHEMA IF NOT EXISTS basalt;
REVOKE ALL ON SCHEMA basalt FROM PUBLIC;
