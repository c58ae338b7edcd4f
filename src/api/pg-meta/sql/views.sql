-- Views with whether they are automatically updatable.
SELECT c.oid::int8 AS id,
       n.nspname::text AS schema,
       c.relname::text AS name,
       (pg_relation_is_updatable(c.oid::regclass, false) & 20) = 20 AS is_updatable,
       obj_description(c.oid, 'pg_class') AS comment
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'v'
