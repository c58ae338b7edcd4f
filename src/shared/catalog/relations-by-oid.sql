-- The relations $1 with their schema, kind, whether populated, and the columns COPY writes (not generated ones), in order.
SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind, c.relispopulated AS populated,
        ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
               WHERE a.attrelid OPERATOR(pg_catalog.=) c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated OPERATOR(pg_catalog.=) ''
               ORDER BY a.attnum) AS columns
   FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
  WHERE c.oid OPERATOR(pg_catalog.=) ANY ($1::oid[])
