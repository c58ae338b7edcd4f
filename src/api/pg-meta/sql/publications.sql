-- Publications with the operations they publish and their tables (null when FOR ALL TABLES).
SELECT p.oid::int8 AS id,
       p.pubname::text AS name,
       pg_get_userbyid(p.pubowner)::text AS owner,
       p.pubinsert AS publish_insert,
       p.pubupdate AS publish_update,
       p.pubdelete AS publish_delete,
       p.pubtruncate AS publish_truncate,
       CASE WHEN p.puballtables THEN NULL
            ELSE coalesce((SELECT json_agg(json_build_object('id', c.oid::int8, 'name', c.relname, 'schema', n.nspname)
                                           ORDER BY n.nspname, c.relname)
                             FROM pg_publication_rel pr
                             JOIN pg_class c ON c.oid = pr.prrelid
                             JOIN pg_namespace n ON n.oid = c.relnamespace
                            WHERE pr.prpubid = p.oid), '[]'::json) END AS tables
  FROM pg_publication p
