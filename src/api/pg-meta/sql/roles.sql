-- Roles with their attributes and open connections; the password is never shown.
SELECT r.oid::int8 AS id,
       r.rolname::text AS name,
       r.rolsuper AS is_superuser,
       r.rolcreatedb AS can_create_db,
       r.rolcreaterole AS can_create_role,
       r.rolinherit AS inherit_role,
       r.rolcanlogin AS can_login,
       r.rolreplication AS is_replication_role,
       r.rolbypassrls AS can_bypass_rls,
       (SELECT count(*) FROM pg_stat_activity s WHERE s.usename = r.rolname)::int8 AS active_connections,
       CASE WHEN r.rolconnlimit = -1 THEN current_setting('max_connections')::int8 ELSE r.rolconnlimit::int8 END AS connection_limit,
       '********'::text AS password,
       r.rolvaliduntil::text AS valid_until,
       (SELECT json_object_agg(split_part(cfg, '=', 1), substr(cfg, strpos(cfg, '=') + 1))
          FROM unnest(r.rolconfig) AS cfg) AS config,
       r.rolname LIKE 'pg\_%' AS is_default_role
  FROM pg_roles r
