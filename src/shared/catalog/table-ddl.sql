-- Everything needed to recreate the given tables ($1 schema, $2 names): columns (type,
-- collation, default, identity, generated), constraints other than foreign keys,
-- foreign keys (added after every table exists) and the indexes no constraint owns.
SELECT c.relname AS name,
       c.relkind AS relkind,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
       coalesce((SELECT json_agg(json_build_object(
                  'name', a.attname,
                  'type', format_type(a.atttypid, a.atttypmod),
                  'notnull', a.attnotnull,
                  'default', CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END,
                  'generated', CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END,
                  'identity', nullif(a.attidentity, ''),
                  'collation', CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0
                                    THEN quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
                ) ORDER BY a.attnum)
                  FROM pg_attribute a
                  JOIN pg_type t ON t.oid = a.atttypid
                  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                  LEFT JOIN pg_collation co ON co.oid = a.attcollation
                  LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
                 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') AS columns,
       coalesce((SELECT json_agg(json_build_object('name', k.conname, 'def', pg_get_constraintdef(k.oid, true))
                              ORDER BY k.contype <> 'p', k.conname)
                  FROM pg_constraint k
                 WHERE k.conrelid = c.oid AND k.contype IN ('p', 'u', 'c', 'x') AND k.conislocal), '[]') AS constraints,
       coalesce((SELECT json_agg(json_build_object('name', k.conname, 'def', pg_get_constraintdef(k.oid, true)) ORDER BY k.conname)
                  FROM pg_constraint k
                 WHERE k.conrelid = c.oid AND k.contype = 'f'), '[]') AS foreign_keys,
       coalesce((SELECT json_agg(pg_get_indexdef(i.indexrelid) ORDER BY ic.relname)
                  FROM pg_index i
                  JOIN pg_class ic ON ic.oid = i.indexrelid
                 WHERE i.indrelid = c.oid
                   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = c.oid)), '[]') AS indexes
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relname = ANY ($2::text[]) AND c.relkind IN ('r', 'p')
 ORDER BY c.relname
