-- Row-level security policies with their table, roles, command and expressions.
SELECT p.oid::int8 AS id,
       n.nspname::text AS schema,
       c.relname::text AS table,
       c.oid::int8 AS table_id,
       p.polname::text AS name,
       CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END AS action,
       CASE WHEN p.polroles = '{0}'::oid[] THEN ARRAY['public']::text[]
            ELSE (SELECT array_agg(r.rolname::text ORDER BY r.rolname) FROM pg_roles r WHERE r.oid = ANY (p.polroles)) END AS roles,
       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command,
       pg_get_expr(p.polqual, p.polrelid) AS definition,
       pg_get_expr(p.polwithcheck, p.polrelid) AS check
  FROM pg_policy p
  JOIN pg_class c ON c.oid = p.polrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
