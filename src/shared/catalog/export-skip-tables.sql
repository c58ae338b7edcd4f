-- The tables of schema $1 an export of the relations $2 does not need (pg_dump is told to leave
-- them out: it would lock them), or that the session's role may not read. Needed: the relations,
-- their ancestors, what their views read, and the row types their columns use, recursively.
WITH RECURSIVE needed(oid) AS (
    SELECT pg_catalog.unnest($2::oid[])
    UNION
    SELECT x.oid FROM needed n, LATERAL (
      SELECT i.inhparent AS oid FROM pg_catalog.pg_inherits i WHERE i.inhrelid OPERATOR(pg_catalog.=) n.oid
      UNION ALL
      SELECT d.refobjid FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_depend d
          ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid OPERATOR(pg_catalog.=) r.oid
       WHERE r.ev_class OPERATOR(pg_catalog.=) n.oid AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
      UNION ALL
      SELECT t.typrelid FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) d.refobjid
       WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid OPERATOR(pg_catalog.=) n.oid
         AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass AND t.typrelid OPERATOR(pg_catalog.<>) 0
    ) x
  )
  SELECT c.relname AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
   WHERE n.nspname OPERATOR(pg_catalog.=) $1 AND c.relkind IN ('r', 'p')
     AND (c.oid OPERATOR(pg_catalog.<>) ALL (SELECT oid FROM needed) OR NOT pg_catalog.has_table_privilege(c.oid, 'SELECT'))
