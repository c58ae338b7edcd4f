-- Ordinary and partitioned tables: the seed's Tables.Table fields (table_id, catalog,
-- is_insertable_into, is_typed, bytes, size, relationships, enums) merged with
-- postgres-meta's (id, rls_*, replica_identity, row estimates, comment, primary_keys).
-- relationships carry both shapes' fields; enums names the enum types its columns use.
SELECT c.oid::int8 AS id,
       c.oid::text AS table_id,
       current_database()::text AS catalog,
       n.nspname::text AS schema,
       c.relname::text AS name,
       (pg_relation_is_updatable(c.oid::regclass, false) & 8) = 8 AS is_insertable_into,
       c.reloftype <> 0 AS is_typed,
       c.relkind = 'p' AS is_partitioned,
       c.relispartition AS is_partition,
       c.relrowsecurity AS rls_enabled,
       c.relforcerowsecurity AS rls_forced,
       CASE c.relreplident WHEN 'd' THEN 'DEFAULT' WHEN 'i' THEN 'INDEX' WHEN 'f' THEN 'FULL' ELSE 'NOTHING' END AS replica_identity,
       pg_total_relation_size(c.oid)::int8 AS bytes,
       pg_size_pretty(pg_total_relation_size(c.oid)) AS size,
       coalesce(pg_stat_get_live_tuples(c.oid), 0)::int8 AS live_rows_estimate,
       coalesce(pg_stat_get_dead_tuples(c.oid), 0)::int8 AS dead_rows_estimate,
       obj_description(c.oid, 'pg_class') AS comment,
       coalesce((SELECT json_agg(json_build_object('schema', n.nspname, 'table_name', c.relname, 'name', a.attname, 'table_id', c.oid::int8)
                                 ORDER BY array_position(i.indkey::int2[], a.attnum))
                   FROM pg_index i
                   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                  WHERE i.indrelid = c.oid AND i.indisprimary), '[]'::json) AS primary_keys,
       coalesce((SELECT json_agg(json_build_object(
                          'id', k.oid::int8,
                          'constraint_name', k.conname,
                          'source_table_id', sc.oid::text,
                          'source_schema', sn.nspname,
                          'source_table_name', sc.relname,
                          'source_column_name', sa.attname,
                          'target_table_id', tc.oid::text,
                          'target_table_schema', tn.nspname,
                          'target_table_name', tc.relname,
                          'target_column_name', ta.attname)
                        ORDER BY k.conname, u.ord)
                   FROM pg_constraint k
                   CROSS JOIN LATERAL unnest(k.conkey, k.confkey) WITH ORDINALITY AS u(src, tgt, ord)
                   JOIN pg_class sc ON sc.oid = k.conrelid
                   JOIN pg_namespace sn ON sn.oid = sc.relnamespace
                   JOIN pg_attribute sa ON sa.attrelid = k.conrelid AND sa.attnum = u.src
                   JOIN pg_class tc ON tc.oid = k.confrelid
                   JOIN pg_namespace tn ON tn.oid = tc.relnamespace
                   JOIN pg_attribute ta ON ta.attrelid = k.confrelid AND ta.attnum = u.tgt
                  WHERE k.contype = 'f' AND (k.conrelid = c.oid OR k.confrelid = c.oid)), '[]'::json) AS relationships,
       coalesce((SELECT array_agg(DISTINCT t.typname::text)
                   FROM pg_attribute a
                   JOIN pg_type t ON t.oid = a.atttypid OR t.typarray = a.atttypid
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND t.typtype = 'e'), '{}'::text[]) AS enums
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p')
