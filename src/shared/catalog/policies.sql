-- The row-level security policies on the tables of one schema ($1) for
-- GET /api/database/policies: command, roles and the USING / WITH CHECK expressions.
-- Schema-qualified throughout.
SELECT policyname AS name,
       tablename AS "tableName",
       cmd AS command,
       roles::pg_catalog.text[] AS roles,
       qual AS "using",
       with_check AS "withCheck"
  FROM pg_catalog.pg_policies
 WHERE schemaname OPERATOR(pg_catalog.=) $1
 ORDER BY tablename, policyname
