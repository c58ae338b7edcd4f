-- The type a user wrote ($1, e.g. VARCHAR, int[], timestamptz, my_schema.mood), resolved
-- with the session's search_path: its kind, SQL spelling, and the function that turns
-- modifiers such as a length into a typmod (that of the element type for arrays; null
-- when the type takes none). No row when the name is unknown.
SELECT t.oid::int8 AS oid,
       t.typtype::text AS typtype,
       t.typisdefined AS defined,
       t.typcategory::text AS category,
       format_type(t.oid, NULL) AS sql,
       nullif(coalesce(et.typmodin, t.typmodin), 0)::regproc::text AS modin
  FROM pg_type t
  LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
 WHERE t.oid = to_regtype($1)
