-- Whether table $1.$2 has a unique index (no predicate, no expressions) on exactly the columns $3.
SELECT EXISTS (
  SELECT 1 FROM pg_catalog.pg_index i
   WHERE i.indrelid OPERATOR(pg_catalog.=) (pg_catalog.quote_ident($1) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident($2))::pg_catalog.regclass
     AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
     AND (SELECT pg_catalog.array_agg(a.attname::text ORDER BY a.attname) FROM pg_catalog.pg_attribute a
           WHERE a.attrelid OPERATOR(pg_catalog.=) i.indrelid AND a.attnum OPERATOR(pg_catalog.=) ANY (i.indkey))
         OPERATOR(pg_catalog.=) (SELECT pg_catalog.array_agg(k ORDER BY k) FROM pg_catalog.unnest($3::text[]) k)
) AS exists
