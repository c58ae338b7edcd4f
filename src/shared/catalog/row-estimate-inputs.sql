-- For the relations $2 of schema $1: the planner's statistics and size, from which a row count is estimated.
SELECT c.relname AS name, c.relkind::text AS relkind, c.reltuples::float8 AS reltuples, c.relpages,
        CASE WHEN c.relkind IN ('r', 'm') THEN pg_catalog.pg_relation_size(c.oid) ELSE 0 END::text AS size,
        pg_catalog.current_setting('block_size') AS block
   FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
  WHERE n.nspname OPERATOR(pg_catalog.=) $1 AND c.relname OPERATOR(pg_catalog.=) ANY ($2::text[])
