-- What the current role may use in schema $1: relations it holds any table or column
-- privilege on, and functions it may execute (PostgREST's openapi-mode follow-privileges).
-- Runs as the requesting role, inside its request's transaction.
SELECT ARRAY(SELECT c.oid::pg_catalog.int8
               FROM pg_catalog.pg_class c
               JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
              WHERE n.nspname OPERATOR(pg_catalog.=) $1
                AND pg_catalog.has_schema_privilege(n.oid, 'USAGE')
                AND (pg_catalog.has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE')
                     OR pg_catalog.has_any_column_privilege(c.oid, 'SELECT, INSERT, UPDATE'))) AS relations,
       ARRAY(SELECT p.oid::pg_catalog.int8
               FROM pg_catalog.pg_proc p
               JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
              WHERE n.nspname OPERATOR(pg_catalog.=) $1
                AND pg_catalog.has_schema_privilege(n.oid, 'USAGE')
                AND pg_catalog.has_function_privilege(p.oid, 'EXECUTE')) AS functions
