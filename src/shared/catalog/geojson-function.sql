-- PostGIS's ST_AsGeoJSON(record, …), which builds application/geo+json features from rows;
-- no row when PostGIS is not installed. Its schema is wherever the extension was created.
SELECT n.nspname AS schema, p.proname AS name
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
 WHERE p.proname OPERATOR(pg_catalog.=) 'st_asgeojson'
   AND p.proargtypes[0] OPERATOR(pg_catalog.=) 'pg_catalog.record'::pg_catalog.regtype
 ORDER BY n.nspname
 LIMIT 1
