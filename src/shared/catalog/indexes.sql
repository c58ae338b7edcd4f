-- The indexes on the tables of one schema ($1) for GET /api/database/indexes: the key
-- columns (the expression for expression keys), uniqueness, primary key, definition.
-- Schema-qualified throughout.
SELECT i.relname AS name,
       t.relname AS "tableName",
       ARRAY(SELECT coalesce(a.attname::pg_catalog.text, pg_catalog.pg_get_indexdef(x.indexrelid, k, true))
               FROM pg_catalog.generate_series(1, x.indnkeyatts::pg_catalog.int4) k
               LEFT JOIN pg_catalog.pg_attribute a
                      ON a.attrelid OPERATOR(pg_catalog.=) x.indrelid
                     AND a.attnum OPERATOR(pg_catalog.=) x.indkey[k OPERATOR(pg_catalog.-) 1]
                     AND x.indkey[k OPERATOR(pg_catalog.-) 1] OPERATOR(pg_catalog.<>) 0
              ORDER BY k) AS columns,
       x.indisunique AS "isUnique",
       x.indisprimary AS "isPrimary",
       pg_catalog.pg_get_indexdef(x.indexrelid) AS definition
  FROM pg_catalog.pg_index x
  JOIN pg_catalog.pg_class i ON i.oid OPERATOR(pg_catalog.=) x.indexrelid
  JOIN pg_catalog.pg_class t ON t.oid OPERATOR(pg_catalog.=) x.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) t.relnamespace
 WHERE n.nspname OPERATOR(pg_catalog.=) $1
 ORDER BY t.relname, i.relname
