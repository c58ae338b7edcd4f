-- Types users can name: base, enum, domain, range and composite types (not table row
-- types nor array types). The seed's Types.Type fields (schema_name, description, size)
-- alongside postgres-meta's (id, schema, enums, attributes, comment).
SELECT t.oid::int8 AS id,
       t.typname::text AS name,
       n.nspname::text AS schema,
       n.nspname::text AS schema_name,
       format_type(t.oid, NULL) AS format,
       CASE t.typtype WHEN 'b' THEN 'base' WHEN 'c' THEN 'composite' WHEN 'd' THEN 'domain'
                      WHEN 'e' THEN 'enum' WHEN 'p' THEN 'pseudo' WHEN 'r' THEN 'range'
                      WHEN 'm' THEN 'multirange' END AS type,
       obj_description(t.oid, 'pg_type') AS description,
       obj_description(t.oid, 'pg_type') AS comment,
       CASE WHEN t.typlen = -1 THEN 'variable' WHEN t.typlen = -2 THEN 'cstring' ELSE t.typlen::text END AS size,
       coalesce((SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '{}'::text[]) AS enums,
       coalesce((SELECT json_agg(json_build_object('name', a.attname, 'type_id', a.atttypid::int8) ORDER BY a.attnum)
                   FROM pg_attribute a
                  WHERE t.typtype = 'c' AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '[]'::json) AS attributes
  FROM pg_type t
  JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE (t.typrelid = 0 OR (SELECT r.relkind = 'c' FROM pg_class r WHERE r.oid = t.typrelid))
   AND NOT EXISTS (SELECT 1 FROM pg_type el WHERE el.oid = t.typelem AND el.typarray = t.oid)
