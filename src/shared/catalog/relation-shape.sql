-- One relation $2 of schema $1 (table, view, materialized view or foreign table): its kind
-- and its columns in order, each with its type as SQL (with and without modifiers),
-- whether it is JSON or generated, and its position in the primary key (null if not in it).
SELECT c.oid::int8 AS oid,
       c.relkind::text AS relkind,
       coalesce(json_agg(json_build_object(
                  'name', a.attname,
                  'type', format_type(a.atttypid, a.atttypmod),
                  'baseType', format_type(a.atttypid, NULL),
                  'json', t.typname IN ('json', 'jsonb'),
                  'generated', a.attgenerated <> '',
                  'identity', a.attidentity <> '',
                  -- int2vector subscripts start at 0; positions here start at 1
                  'pk', array_position(pk.indkey::int2[], a.attnum) - array_lower(pk.indkey::int2[], 1) + 1
                ) ORDER BY a.attnum) FILTER (WHERE a.attnum IS NOT NULL), '[]') AS columns
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_index pk ON pk.indrelid = c.oid AND pk.indisprimary
  LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_type t ON t.oid = a.atttypid
 WHERE n.nspname = $1 AND c.relname = $2
   AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
 GROUP BY c.oid, c.relkind
