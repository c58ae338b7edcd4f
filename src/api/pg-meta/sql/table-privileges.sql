-- Privileges granted on tables, views, materialized views and foreign tables
-- (the owner's implicit privileges included, as aclexplode reports them).
SELECT c.oid::int8 AS relation_id,
       n.nspname::text AS schema,
       c.relname::text AS name,
       CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized_view'
                      WHEN 'f' THEN 'foreign_table' ELSE 'partitioned_table' END AS kind,
       coalesce((SELECT json_agg(json_build_object(
                          'grantor', pg_get_userbyid(x.grantor),
                          'grantee', CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END,
                          'privilege_type', x.privilege_type,
                          'is_grantable', x.is_grantable)
                        ORDER BY x.grantee, x.privilege_type)
                   FROM aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) x), '[]'::json) AS privileges
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'v', 'm', 'f', 'p')
