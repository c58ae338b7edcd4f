-- One relation $2 of schema $1 (table, view, materialized view or foreign table): its kind
-- and its columns in order, each with its type as SQL (with and without modifiers),
-- whether it is generated or an identity, and its position in the primary key (null if not in it);
-- also its type's name and category and its nullability, for the data engine's write renderer.
-- Schema-qualified throughout.
SELECT c.oid::pg_catalog.int8 AS oid,
       c.relkind::pg_catalog.text AS relkind,
       coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
                  'name', a.attname,
                  'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
                  'baseType', pg_catalog.format_type(a.atttypid, NULL),
                  'udt', t.typname,
                  'category', t.typcategory,
                  'nullable', NOT a.attnotnull,
                  'generated', a.attgenerated OPERATOR(pg_catalog.<>) '',
                  'identity', a.attidentity OPERATOR(pg_catalog.<>) '',
                  'identityAlways', a.attidentity OPERATOR(pg_catalog.=) 'a',
                  -- int2vector subscripts start at 0; positions here start at 1
                  'pk', (pg_catalog.array_position(pk.indkey::pg_catalog.int2[], a.attnum)
                         OPERATOR(pg_catalog.-) pg_catalog.array_lower(pk.indkey::pg_catalog.int2[], 1)) OPERATOR(pg_catalog.+) 1
                ) ORDER BY a.attnum) FILTER (WHERE a.attnum IS NOT NULL), '[]') AS columns
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
  LEFT JOIN pg_catalog.pg_index pk ON pk.indrelid OPERATOR(pg_catalog.=) c.oid AND pk.indisprimary
  LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) c.oid AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
  LEFT JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid
 WHERE n.nspname OPERATOR(pg_catalog.=) $1 AND c.relname OPERATOR(pg_catalog.=) $2
   AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p,v,m,f}'::pg_catalog."char"[])
 GROUP BY c.oid, c.relkind
