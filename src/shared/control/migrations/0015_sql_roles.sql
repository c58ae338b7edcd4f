-- Raw SQL's own logins (issue 13, item 6). POST /api/database/advance/rawsql runs as
-- basalt_sql_strict, /advance/rawsql/unrestricted as basalt_sql_relaxed. Neither is a
-- superuser, holds file or program rights, owns the database or may CREATE in it (so no
-- CREATE EXTENSION), or reaches the control schema beyond what the data API's roles do:
-- whatever the parse-tree rules miss, PostgreSQL refuses. They are logins of their own, not
-- SET ROLE inside a superuser session, because RESET ROLE or set_config('role', …) in the
-- caller's SQL returns to the session user. LOGIN and the password (derived from JWT_SECRET)
-- are set at every start by src/shared/control/sql-roles.ts, which also checks these limits.
-- Roles are cluster-wide, so create them only when missing; grants are per database.
DO $$
BEGIN
  -- BYPASSRLS as service_role has it: raw SQL is an admin tool and must see every row.
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'basalt_sql_strict') THEN
    CREATE ROLE basalt_sql_strict NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION BYPASSRLS INHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'basalt_sql_relaxed') THEN
    CREATE ROLE basalt_sql_relaxed NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION BYPASSRLS INHERIT;
  END IF;
  -- CONNECT and TEMPORARY (temp tables), never CREATE: PUBLIC may have lost them.
  EXECUTE pg_catalog.format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO basalt_sql_strict, basalt_sql_relaxed', pg_catalog.current_database());
END $$;

-- Relaxed may do whatever strict may, including on the objects strict created (it inherits
-- their ownership); the reverse is not true.
GRANT basalt_sql_strict TO basalt_sql_relaxed;

-- User data lives in public: read, write and create there. No TRIGGER on others' tables, so
-- raw SQL cannot hang code on a table that the server's own login writes to.
GRANT USAGE, CREATE ON SCHEMA public TO basalt_sql_strict;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES ON ALL TABLES IN SCHEMA public TO basalt_sql_strict;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO basalt_sql_strict;
-- Tables the server's login creates later (POST /api/database/migrations, the admin API).
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES ON TABLES TO basalt_sql_strict;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO basalt_sql_strict;
-- Tables relaxed mode creates are usable from strict mode too.
ALTER DEFAULT PRIVILEGES FOR ROLE basalt_sql_relaxed IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES ON TABLES TO basalt_sql_strict;
ALTER DEFAULT PRIVILEGES FOR ROLE basalt_sql_relaxed IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO basalt_sql_strict;

-- Schema auth as the data API's roles have it (auth.uid() in a policy), no table in it.
GRANT USAGE ON SCHEMA auth TO basalt_sql_strict;

-- Relaxed mode reads and inserts into auth's tables (the contract's "system tables", such as
-- auth.users), now and when they are created later by the server's login.
GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA auth TO basalt_sql_relaxed;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA auth TO basalt_sql_relaxed;
ALTER DEFAULT PRIVILEGES IN SCHEMA auth GRANT SELECT, INSERT ON TABLES TO basalt_sql_relaxed;
ALTER DEFAULT PRIVILEGES IN SCHEMA auth GRANT USAGE ON SEQUENCES TO basalt_sql_relaxed;

-- The control schema holds keys, secrets, licences and tenants: relaxed mode gets USAGE (as the
-- data API's roles have) and reads one table only, the history GET /api/database/migrations
-- already shows to the same admin. Strict mode gets nothing there.
GRANT USAGE ON SCHEMA basalt TO basalt_sql_relaxed;
GRANT SELECT ON basalt.user_migrations TO basalt_sql_relaxed;
