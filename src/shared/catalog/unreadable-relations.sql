-- Which of the relations $1 the session's role may not SELECT from.
SELECT c.relname AS name FROM pg_catalog.pg_class c
  WHERE c.oid OPERATOR(pg_catalog.=) ANY ($1::oid[]) AND c.relkind IN ('r', 'p', 'v', 'm') AND NOT pg_catalog.has_table_privilege(c.oid, 'SELECT')
