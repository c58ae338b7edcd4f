-- Foreign tables.
SELECT c.oid::int8 AS id,
       n.nspname::text AS schema,
       c.relname::text AS name,
       obj_description(c.oid, 'pg_class') AS comment
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'f'
