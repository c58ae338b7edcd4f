-- The name of a table's primary key constraint ($1 table oid), if it has one.
SELECT k.conname::text AS name
  FROM pg_constraint k
 WHERE k.conrelid = $1::oid AND k.contype = 'p'
