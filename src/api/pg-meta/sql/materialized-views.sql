-- Materialized views with whether they hold data.
SELECT c.oid::int8 AS id,
       n.nspname::text AS schema,
       c.relname::text AS name,
       c.relispopulated AS is_populated,
       obj_description(c.oid, 'pg_class') AS comment
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'm'
