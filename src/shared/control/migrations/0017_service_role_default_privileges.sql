-- Issue 17: tables, sequences and functions that the server's login creates in the default
-- tenant's schema (POST /api/database/migrations, imports, the admin API) are reachable with the
-- service_role key at once, as on Supabase, instead of answering 403 until granted by hand.
-- Default privileges apply to objects created later by the role named in FOR ROLE: here the
-- server's login (current_user while control migrations run, the same login as the workers').
-- Only service_role: anon and authenticated get what the migration itself grants (Supabase
-- grants them ALL and relies on RLS; Basalt does not, so a table is never served to the
-- public before its author decided so; see docs/security.md). Project schemas (basalt.projects)
-- are not touched: their objects belong to the tenant and its own roles.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO service_role;
