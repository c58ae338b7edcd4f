-- Indexes with their flags, key columns, access method and definition.
SELECT i.indexrelid::int8 AS id,
       i.indrelid::int8 AS table_id,
       n.nspname::text AS schema,
       ic.relname::text AS name,
       i.indnatts::int AS number_of_attributes,
       i.indnkeyatts::int AS number_of_key_attributes,
       i.indisunique AS is_unique,
       i.indisprimary AS is_primary,
       i.indisexclusion AS is_exclusion,
       i.indimmediate AS is_immediate,
       i.indisclustered AS is_clustered,
       i.indisvalid AS is_valid,
       i.indcheckxmin AS check_xmin,
       i.indisready AS is_ready,
       i.indislive AS is_live,
       i.indisreplident AS is_replica_identity,
       i.indkey::int2[] AS key_attributes,
       i.indcollation::oid[]::int8[] AS collation,
       i.indclass::oid[]::int8[] AS class,
       i.indoption::int2[] AS options,
       pg_get_expr(i.indpred, i.indrelid) AS index_predicate,
       obj_description(i.indexrelid, 'pg_class') AS comment,
       pg_get_indexdef(i.indexrelid) AS index_definition,
       am.amname::text AS access_method,
       coalesce((SELECT json_agg(json_build_object('attribute_number', a.attnum, 'attribute_name', a.attname,
                                                   'data_type', format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
                   FROM pg_attribute a
                  WHERE a.attrelid = i.indexrelid AND a.attnum > 0), '[]'::json) AS index_attributes
  FROM pg_index i
  JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_namespace n ON n.oid = ic.relnamespace
  JOIN pg_am am ON am.oid = ic.relam
