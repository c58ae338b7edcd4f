-- Foreign keys of every user table (an end outside the exposed schemas may still
-- be reachable through a view in them). Also: whether the FK columns are
-- unique on their side (one-to-one) and part of the table's primary key (junctions).
-- Schema-qualified throughout.
SELECT con.conname AS name,
       sn.nspname AS schema, sc.relname AS table,
       tn.nspname AS ref_schema, tc.relname AS ref_table,
       (SELECT pg_catalog.array_agg(a.attname::pg_catalog.text ORDER BY k.i)
          FROM pg_catalog.unnest(con.conkey) WITH ORDINALITY k(attnum, i)
          JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) con.conrelid AND a.attnum OPERATOR(pg_catalog.=) k.attnum) AS columns,
       (SELECT pg_catalog.array_agg(a.attname::pg_catalog.text ORDER BY k.i)
          FROM pg_catalog.unnest(con.confkey) WITH ORDINALITY k(attnum, i)
          JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) con.confrelid AND a.attnum OPERATOR(pg_catalog.=) k.attnum) AS ref_columns,
       EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                WHERE i.indrelid OPERATOR(pg_catalog.=) con.conrelid AND (i.indisunique OR i.indisprimary) AND i.indpred IS NULL
                  AND i.indkey::pg_catalog.int2[] OPERATOR(pg_catalog.@>) con.conkey
                  AND i.indkey::pg_catalog.int2[] OPERATOR(pg_catalog.<@) con.conkey) AS is_unique,
       EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                WHERE i.indrelid OPERATOR(pg_catalog.=) con.conrelid AND (i.indisprimary OR i.indisunique)
                  AND i.indkey::pg_catalog.int2[] OPERATOR(pg_catalog.@>) con.conkey) AS in_key
  FROM pg_catalog.pg_constraint con
  JOIN pg_catalog.pg_class sc ON sc.oid OPERATOR(pg_catalog.=) con.conrelid
  JOIN pg_catalog.pg_namespace sn ON sn.oid OPERATOR(pg_catalog.=) sc.relnamespace
  JOIN pg_catalog.pg_class tc ON tc.oid OPERATOR(pg_catalog.=) con.confrelid
  JOIN pg_catalog.pg_namespace tn ON tn.oid OPERATOR(pg_catalog.=) tc.relnamespace
 WHERE con.contype OPERATOR(pg_catalog.=) 'f'
   -- A partitioned table's key, not the copies PostgreSQL makes for each partition.
   AND con.conparentid OPERATOR(pg_catalog.=) 0
   AND sn.nspname OPERATOR(pg_catalog.<>) ALL ('{pg_catalog,information_schema}'::pg_catalog.name[])
 ORDER BY con.oid
