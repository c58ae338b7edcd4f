-- The single-column UNIQUE ('u') and CHECK ('c') constraints of one column ($1 table oid, $2 attnum).
SELECT k.conname::text AS name, k.contype::text AS type
  FROM pg_constraint k
 WHERE k.conrelid = $1::oid
   AND k.contype IN ('u', 'c')
   AND k.conkey = ARRAY[$2::int2]
 ORDER BY k.conname
