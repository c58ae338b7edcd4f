-- Everything needed to recreate the given tables ($1 schema, $2 names): columns (type,
-- collation, default, identity, generated), constraints other than foreign keys,
-- foreign keys (added after every table exists) and the indexes no constraint owns.
-- Schema-qualified throughout.
SELECT c.relname AS name,
       c.relkind AS relkind,
       CASE WHEN c.relkind OPERATOR(pg_catalog.=) 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_key,
       coalesce((SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
                  'name', a.attname,
                  'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
                  'notnull', a.attnotnull,
                  'default', CASE WHEN a.attgenerated OPERATOR(pg_catalog.=) '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END,
                  'generated', CASE WHEN a.attgenerated OPERATOR(pg_catalog.<>) '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END,
                  'identity', CASE WHEN a.attidentity OPERATOR(pg_catalog.<>) '' THEN a.attidentity END,
                  'collation', CASE WHEN a.attcollation OPERATOR(pg_catalog.<>) t.typcollation AND a.attcollation OPERATOR(pg_catalog.<>) 0
                                    THEN pg_catalog.quote_ident(cn.nspname) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(co.collname) END
                ) ORDER BY a.attnum)
                  FROM pg_catalog.pg_attribute a
                  JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid
                  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid OPERATOR(pg_catalog.=) a.attrelid AND d.adnum OPERATOR(pg_catalog.=) a.attnum
                  LEFT JOIN pg_catalog.pg_collation co ON co.oid OPERATOR(pg_catalog.=) a.attcollation
                  LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid OPERATOR(pg_catalog.=) co.collnamespace
                 WHERE a.attrelid OPERATOR(pg_catalog.=) c.oid AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped), '[]') AS columns,
       coalesce((SELECT pg_catalog.json_agg(pg_catalog.json_build_object('name', k.conname, 'def', pg_catalog.pg_get_constraintdef(k.oid, true))
                              ORDER BY k.contype OPERATOR(pg_catalog.<>) 'p', k.conname)
                  FROM pg_catalog.pg_constraint k
                 WHERE k.conrelid OPERATOR(pg_catalog.=) c.oid AND k.contype OPERATOR(pg_catalog.=) ANY ('{p,u,c,x}'::pg_catalog."char"[])
                   AND k.conislocal), '[]') AS constraints,
       coalesce((SELECT pg_catalog.json_agg(pg_catalog.json_build_object('name', k.conname, 'def', pg_catalog.pg_get_constraintdef(k.oid, true)) ORDER BY k.conname)
                  FROM pg_catalog.pg_constraint k
                 WHERE k.conrelid OPERATOR(pg_catalog.=) c.oid AND k.contype OPERATOR(pg_catalog.=) 'f'), '[]') AS foreign_keys,
       coalesce((SELECT pg_catalog.json_agg(pg_catalog.pg_get_indexdef(i.indexrelid) ORDER BY ic.relname)
                  FROM pg_catalog.pg_index i
                  JOIN pg_catalog.pg_class ic ON ic.oid OPERATOR(pg_catalog.=) i.indexrelid
                 WHERE i.indrelid OPERATOR(pg_catalog.=) c.oid
                   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k
                                    WHERE k.conindid OPERATOR(pg_catalog.=) i.indexrelid AND k.conrelid OPERATOR(pg_catalog.=) c.oid)), '[]') AS indexes
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
 WHERE n.nspname OPERATOR(pg_catalog.=) $1 AND c.relname OPERATOR(pg_catalog.=) ANY ($2::pg_catalog.text[])
   AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p}'::pg_catalog."char"[])
 ORDER BY c.relname
