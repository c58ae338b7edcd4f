-- The roles the data API may switch to: those granted to its login role.
SELECT r.rolname AS name
  FROM pg_roles r
 WHERE pg_has_role($1::text, r.oid, 'MEMBER')
   AND r.rolname <> $1::text
