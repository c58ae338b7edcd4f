-- Schemas: the seed's Schemas.Schema fields plus postgres-meta's id.
-- Temporary schemas of other sessions are never shown.
SELECT n.oid::int8 AS id,
       current_database()::text AS catalog_name,
       n.nspname::text AS name,
       pg_get_userbyid(n.nspowner)::text AS owner,
       NULL::text AS default_character_set_catalog,
       NULL::text AS default_character_set_schema,
       NULL::text AS default_character_set_name,
       NULL::text AS sql_path,
       obj_description(n.oid, 'pg_namespace') AS comment
  FROM pg_namespace n
 WHERE n.nspname NOT LIKE 'pg\_temp\_%'
   AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
