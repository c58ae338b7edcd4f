-- Tables, views, materialized views and foreign tables in the exposed schemas,
-- with their primary keys and what the data API may do with them.
SELECT n.nspname AS schema,
       c.relname AS name,
       c.oid::int8 AS oid,
       c.relkind AS relkind,
       obj_description(c.oid, 'pg_class') AS comment,
       coalesce((SELECT array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum))
                   FROM pg_index i
                   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                  WHERE i.indrelid = c.oid AND i.indisprimary), '{}'::text[]) AS pk,
       (c.relkind IN ('r', 'p') OR (pg_relation_is_updatable(c.oid::regclass, true) & 8) = 8) AS insertable,
       (c.relkind IN ('r', 'p') OR (pg_relation_is_updatable(c.oid::regclass, true) & 4) = 4) AS updatable,
       (c.relkind IN ('r', 'p') OR (pg_relation_is_updatable(c.oid::regclass, true) & 16) = 16) AS deletable
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = ANY ($1::text[])
   AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
 ORDER BY n.nspname, c.relname
