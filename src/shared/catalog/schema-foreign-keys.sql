-- The foreign keys of schema $1, each with the table it references.
SELECT k.oid::int8 AS oid, k.confrelid::int8 AS target FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) k.connamespace
  WHERE n.nspname OPERATOR(pg_catalog.=) $1 AND k.contype OPERATOR(pg_catalog.=) 'f'
