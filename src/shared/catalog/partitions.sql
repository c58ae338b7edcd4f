-- Every partition (at any depth) of the partitioned tables $1, with its relkind.
SELECT t.relid::int8 AS oid, c.relkind::text AS relkind
   FROM pg_catalog.unnest($1::oid[]) r(oid), pg_catalog.pg_partition_tree(r.oid) t
   JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.relid
  WHERE t.level > 0
