-- Every role, and whether the data API's login role may switch to it (is a member).
-- Schema-qualified throughout.
SELECT r.rolname AS name,
       pg_catalog.pg_has_role($1::pg_catalog.name, r.oid, 'MEMBER') AND r.rolname OPERATOR(pg_catalog.<>) $1::pg_catalog.name AS granted
  FROM pg_catalog.pg_roles r
