-- Tables, views, materialized views and foreign tables in the exposed schemas,
-- with their primary keys and what the data API may do with them.
-- Schema-qualified throughout.
SELECT n.nspname AS schema,
       c.relname AS name,
       c.oid::pg_catalog.int8 AS oid,
       c.relkind AS relkind,
       pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
       coalesce((SELECT pg_catalog.array_agg(a.attname::pg_catalog.text ORDER BY pg_catalog.array_position(i.indkey::pg_catalog.int2[], a.attnum))
                   FROM pg_catalog.pg_index i
                   JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) i.indrelid AND a.attnum OPERATOR(pg_catalog.=) ANY (i.indkey)
                  WHERE i.indrelid OPERATOR(pg_catalog.=) c.oid AND i.indisprimary), '{}'::pg_catalog.text[]) AS pk,
       (c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p}'::pg_catalog."char"[])
        OR (pg_catalog.pg_relation_is_updatable(c.oid::pg_catalog.regclass, true) OPERATOR(pg_catalog.&) 8) OPERATOR(pg_catalog.=) 8) AS insertable,
       (c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p}'::pg_catalog."char"[])
        OR (pg_catalog.pg_relation_is_updatable(c.oid::pg_catalog.regclass, true) OPERATOR(pg_catalog.&) 4) OPERATOR(pg_catalog.=) 4) AS updatable,
       (c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p}'::pg_catalog."char"[])
        OR (pg_catalog.pg_relation_is_updatable(c.oid::pg_catalog.regclass, true) OPERATOR(pg_catalog.&) 16) OPERATOR(pg_catalog.=) 16) AS deletable
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
 WHERE n.nspname OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.text[])
   AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p,v,m,f}'::pg_catalog."char"[])
   -- Partitions are reached through their partitioned table only, as in PostgREST.
   AND NOT c.relispartition
 ORDER BY n.nspname, c.relname
