-- No door between databases (issue 13, item 8): the control database is not open to every
-- login of the cluster. PostgreSQL grants CONNECT on a new database to PUBLIC, so a Management
-- API project's owner (owner_<ref>, whose password its customer chose) could log in here and
-- read whatever PUBLIC may read. CONNECT goes only to the logins that work in this database:
--   - the server's own login (current_user: it may be neither the owner nor a superuser);
--   - authenticator, the default data API's login;
--   - schemas-as-projects: each owner (basalt.projects.username) and, where it exists yet, its
--     <schema>_authenticator login (schema-tenants.ts grants both for schemas created later).
-- Raw SQL's logins get theirs in 0015. The NOLOGIN data-API roles (anon, authenticated,
-- service_role) get none: CONNECT is checked for the login, and a grant to them would only
-- open this database to any login that inherits them. The database's owner and superusers
-- keep their access. Other logins an operator uses here need GRANT CONNECT again
-- (docs/security.md, "Project databases").
DO $$
DECLARE
  db text := pg_catalog.current_database();
  r record;
BEGIN
  EXECUTE pg_catalog.format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', db);
  EXECUTE pg_catalog.format('GRANT CONNECT ON DATABASE %I TO %I', db, current_user);
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'authenticator') THEN
    EXECUTE pg_catalog.format('GRANT CONNECT ON DATABASE %I TO authenticator', db);
  END IF;
  FOR r IN
    SELECT x.rolname
      FROM (SELECT p.username AS rolname FROM basalt.projects p
            UNION SELECT p.schema_name OPERATOR(pg_catalog.||) '_authenticator' FROM basalt.projects p) x
     WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_roles o WHERE o.rolname OPERATOR(pg_catalog.=) x.rolname)
  LOOP
    EXECUTE pg_catalog.format('GRANT CONNECT ON DATABASE %I TO %I', db, r.rolname);
  END LOOP;
END $$;
