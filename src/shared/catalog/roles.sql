-- Every role, and whether the data API's login role may switch to it (is a member).
SELECT r.rolname AS name, pg_has_role($1::text, r.oid, 'MEMBER') AND r.rolname <> $1::text AS granted
  FROM pg_roles r
