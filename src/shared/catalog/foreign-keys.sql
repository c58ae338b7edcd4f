-- Foreign keys of every user table (an end outside the exposed schemas may still
-- be reachable through a view in them). Also: whether the FK columns are
-- unique on their side (one-to-one) and part of the table's primary key (junctions).
SELECT con.conname AS name,
       sn.nspname AS schema, sc.relname AS table,
       tn.nspname AS ref_schema, tc.relname AS ref_table,
       (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, i)
          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
       (SELECT array_agg(a.attname::text ORDER BY k.i) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, i)
          JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS ref_columns,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = con.conrelid AND (i.indisunique OR i.indisprimary)
                  AND i.indpred IS NULL AND i.indkey::int2[] @> con.conkey AND i.indkey::int2[] <@ con.conkey) AS is_unique,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = con.conrelid AND (i.indisprimary OR i.indisunique)
                  AND i.indkey::int2[] @> con.conkey) AS in_key
  FROM pg_constraint con
  JOIN pg_class sc ON sc.oid = con.conrelid
  JOIN pg_namespace sn ON sn.oid = sc.relnamespace
  JOIN pg_class tc ON tc.oid = con.confrelid
  JOIN pg_namespace tn ON tn.oid = tc.relnamespace
 WHERE con.contype = 'f'
   AND sn.nspname NOT IN ('pg_catalog', 'information_schema')
 ORDER BY con.conname
