-- The type a user wrote ($1, e.g. VARCHAR, int[], timestamptz, my_schema.mood), resolved
-- with the session's search_path: its kind, SQL spelling, and the function that turns
-- modifiers such as a length into a typmod (that of the element type for arrays; null
-- when the type takes none), schema-qualified. No row when the name is unknown.
-- Functions and operators are qualified: the search_path may hold a schema of the user's.
SELECT t.oid::pg_catalog.int8 AS oid,
       t.typtype::pg_catalog.text AS typtype,
       t.typisdefined AS defined,
       t.typcategory::pg_catalog.text AS category,
       pg_catalog.format_type(t.oid, NULL) AS sql,
       (SELECT pg_catalog.quote_ident(n.nspname) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(p.proname)
          FROM pg_catalog.pg_proc p
          JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
         WHERE p.oid OPERATOR(pg_catalog.=) COALESCE(et.typmodin, t.typmodin)) AS modin
  FROM pg_catalog.pg_type t
  LEFT JOIN pg_catalog.pg_type et ON et.oid OPERATOR(pg_catalog.=) t.typelem AND t.typcategory OPERATOR(pg_catalog.=) 'A'
 WHERE t.oid OPERATOR(pg_catalog.=) pg_catalog.to_regtype($1)
