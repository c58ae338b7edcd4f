-- For each role named in $1: the server-side rights that would let SQL running as it escape
-- its role (superuser directly or through a role it may SET ROLE to, server files and
-- programs, CREATE on the database).
SELECT r.rolname::text AS role,
       pg_catalog.array_remove(ARRAY[
         CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_roles s WHERE s.rolsuper AND pg_catalog.pg_has_role(r.oid, s.oid, 'MEMBER')) THEN 'superuser' END,
         CASE WHEN pg_catalog.pg_has_role(r.oid, 'pg_read_server_files', 'MEMBER') THEN 'pg_read_server_files' END,
         CASE WHEN pg_catalog.pg_has_role(r.oid, 'pg_write_server_files', 'MEMBER') THEN 'pg_write_server_files' END,
         CASE WHEN pg_catalog.pg_has_role(r.oid, 'pg_execute_server_program', 'MEMBER') THEN 'pg_execute_server_program' END,
         CASE WHEN pg_catalog.has_database_privilege(r.oid, pg_catalog.current_database(), 'CREATE') THEN 'CREATE on the database' END
       ], NULL) AS rights
  FROM pg_catalog.pg_roles r
 WHERE r.rolname OPERATOR(pg_catalog.=) ANY ($1::text[])
