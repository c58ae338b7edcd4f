-- The schemas users work in (not PostgreSQL's, Basalt's or auth), public last.
SELECT nspname
  FROM pg_catalog.pg_namespace
 WHERE nspname NOT LIKE 'pg\_%' AND nspname OPERATOR(pg_catalog.<>) ALL ('{information_schema,basalt,auth}'::name[])
 ORDER BY nspname OPERATOR(pg_catalog.=) 'public', nspname
