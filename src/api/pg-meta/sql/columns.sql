-- Columns of tables, views, materialized views and foreign tables, in postgres-meta's
-- shape; id is "<table oid>.<attnum>".
SELECT c.oid::int8 AS table_id,
       n.nspname::text AS schema,
       c.relname::text AS table,
       c.oid::text || '.' || a.attnum AS id,
       a.attnum::int AS ordinal_position,
       a.attname::text AS name,
       CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END AS default_value,
       CASE WHEN t.typtype = 'd' THEN
              CASE WHEN bt.typelem <> 0 AND bt.typlen = -1 THEN 'ARRAY'
                   WHEN bn.nspname = 'pg_catalog' THEN format_type(t.typbasetype, NULL)
                   ELSE 'USER-DEFINED' END
            WHEN t.typelem <> 0 AND t.typlen = -1 THEN 'ARRAY'
            WHEN tn.nspname = 'pg_catalog' THEN format_type(a.atttypid, NULL)
            ELSE 'USER-DEFINED' END AS data_type,
       t.typname::text AS format,
       a.attidentity IN ('a', 'd') AS is_identity,
       CASE a.attidentity WHEN 'a' THEN 'ALWAYS' WHEN 'd' THEN 'BY DEFAULT' END AS identity_generation,
       a.attgenerated IN ('s') AS is_generated,
       NOT (a.attnotnull OR (t.typtype = 'd' AND t.typnotnull)) AS is_nullable,
       CASE WHEN c.relkind IN ('r', 'p') THEN true
            WHEN c.relkind = 'v' THEN pg_column_is_updatable(c.oid, a.attnum, false)
            -- asking a foreign table fails when its wrapper has no handler
            WHEN c.relkind = 'f' AND EXISTS (SELECT 1 FROM pg_foreign_table ft
                                               JOIN pg_foreign_server fs ON fs.oid = ft.ftserver
                                               JOIN pg_foreign_data_wrapper w ON w.oid = fs.srvfdw
                                              WHERE ft.ftrelid = c.oid AND w.fdwhandler <> 0)
              THEN pg_column_is_updatable(c.oid, a.attnum, false)
            ELSE false END AS is_updatable,
       EXISTS (SELECT 1 FROM pg_constraint u
                WHERE u.conrelid = c.oid AND u.contype = 'u' AND u.conkey = ARRAY[a.attnum]) AS is_unique,
       coalesce((SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
                   FROM pg_enum e
                  WHERE e.enumtypid = CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN t.typelem ELSE t.oid END), '{}'::text[]) AS enums,
       (SELECT pg_get_constraintdef(k.oid, true) FROM pg_constraint k
         WHERE k.conrelid = c.oid AND k.contype = 'c' AND k.conkey = ARRAY[a.attnum]
         ORDER BY k.conname LIMIT 1) AS check,
       col_description(c.oid, a.attnum) AS comment
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_type t ON t.oid = a.atttypid
  JOIN pg_namespace tn ON tn.oid = t.typnamespace
  LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
  LEFT JOIN pg_namespace bn ON bn.oid = bt.typnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
   AND a.attnum > 0
   AND NOT a.attisdropped
