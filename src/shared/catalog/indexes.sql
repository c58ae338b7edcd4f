-- The indexes on the tables of one schema ($1) for GET /api/database/indexes: the key
-- columns (the expression for expression keys), uniqueness, primary key, definition.
SELECT i.relname AS name,
       t.relname AS "tableName",
       ARRAY(SELECT coalesce(a.attname::text, pg_get_indexdef(x.indexrelid, k, true))
               FROM generate_series(1, x.indnkeyatts::int) k
               LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[k - 1] AND x.indkey[k - 1] <> 0
              ORDER BY k) AS columns,
       x.indisunique AS "isUnique",
       x.indisprimary AS "isPrimary",
       pg_get_indexdef(x.indexrelid) AS definition
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
 WHERE n.nspname = $1
 ORDER BY t.relname, i.relname
