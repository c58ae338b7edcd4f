-- The row-level security policies on the tables of one schema ($1) for
-- GET /api/database/policies: command, roles and the USING / WITH CHECK expressions.
SELECT policyname AS name,
       tablename AS "tableName",
       cmd AS command,
       roles::text[] AS roles,
       qual AS "using",
       with_check AS "withCheck"
  FROM pg_policies
 WHERE schemaname = $1
 ORDER BY tablename, policyname
