-- Privileges on each column: column-level grants plus those every column inherits from
-- its table's grants (SELECT, INSERT, UPDATE, REFERENCES). column_id is "<table oid>.<attnum>".
SELECT c.oid::text || '.' || a.attnum AS column_id,
       c.oid::int8 AS relation_id,
       n.nspname::text AS relation_schema,
       c.relname::text AS relation_name,
       a.attname::text AS column_name,
       coalesce((SELECT json_agg(json_build_object(
                          'grantor', pg_get_userbyid(x.grantor),
                          'grantee', CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END,
                          'privilege_type', x.privilege_type,
                          'is_grantable', bool_or_grantable)
                        ORDER BY x.grantee, x.privilege_type)
                   FROM (SELECT e.grantor, e.grantee, e.privilege_type, bool_or(e.is_grantable) AS bool_or_grantable
                           FROM (SELECT * FROM aclexplode(coalesce(c.relacl, acldefault('r', c.relowner)))
                                 UNION ALL
                                 SELECT * FROM aclexplode(a.attacl)) e
                          WHERE e.privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'REFERENCES')
                          GROUP BY e.grantor, e.grantee, e.privilege_type) x), '[]'::json) AS privileges
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'v', 'm', 'f', 'p')
   AND a.attnum > 0
   AND NOT a.attisdropped
