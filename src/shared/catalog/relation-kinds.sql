-- The kind of each of the relations $2 of schema $1 that exist (tables, views, materialized views, foreign tables).
SELECT c.relname AS name, c.relkind::text AS relkind
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
 WHERE n.nspname OPERATOR(pg_catalog.=) $1 AND c.relname OPERATOR(pg_catalog.=) ANY ($2::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
