-- An SQL export's relations in schema $1: the tables $2 asked for, and with $3 every view and
-- materialized view, with $4 every sequence; `requested` marks those asked for by name.
SELECT c.oid::int8 AS oid, c.relkind::text AS relkind, c.relname OPERATOR(pg_catalog.=) ANY ($2::text[]) AS requested
   FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
  WHERE n.nspname OPERATOR(pg_catalog.=) $1
    AND ((c.relname OPERATOR(pg_catalog.=) ANY ($2::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f'))
         OR ($3 AND c.relkind IN ('v', 'm')) OR ($4 AND c.relkind OPERATOR(pg_catalog.=) 'S'))
